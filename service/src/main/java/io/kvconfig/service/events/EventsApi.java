package io.kvconfig.service.events;

/** Names of the Key Vault events webhook: its path, role, how the shared secret is presented, its property. */
public final class EventsApi {
    /** The webhook an Event Grid subscription posts to. */
    public static final String PATH = "/api/events/keyvault";
    /** The role a valid event secret grants ({@link EventsIdentityProvider}); only the webhook requires it. */
    public static final String ROLE = "keyvault-events";
    /** The query parameter carrying the shared secret (the webhook URL's {@code ?code=}). */
    public static final String CODE_PARAMETER = "code";
    /** The header carrying the shared secret (an Event Grid delivery property). */
    public static final String SECRET_HEADER = "X-Kvconfig-Events-Secret";
    /** The setting holding the shared secret; {@code KVCONFIG_SERVICE_EVENTS_SECRET} in the environment. */
    public static final String PROPERTY = "kvconfig.service.events.secret";
    public static final String ENV_PROPERTY = "KVCONFIG_SERVICE_EVENTS_SECRET";
    /** The OpenAPI security scheme of the webhook. */
    public static final String SECURITY_SCHEME = "keyvault-events";

    private EventsApi() {
    }
}
