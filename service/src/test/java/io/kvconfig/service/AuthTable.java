package io.kvconfig.service;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The table-driven auth check: request-target spellings × methods × credentials, each sent raw ({@link RawHttp}), each
 * answer compared with what the spelling is expected to reach. A spelling that reaches an admin resource must be
 * refused for every method the resource has (401, or 503 when the admin API is off) and answer 405 for the others;
 * a spelling that reaches nothing answers 404 (or 400 when the HTTP parser refuses it). Never 2xx, never a setting.
 */
final class AuthTable {

    /** What a spelling reaches, and the methods that resource answers (HEAD comes with GET). */
    enum Target {
        SETTINGS("GET", "HEAD", "PUT"), STATUS("GET", "HEAD"), FIREWALL("GET", "HEAD"), ALLOWLIST("POST"),
        REFRESH("POST"),
        /**
         * the Key Vault events webhook: its own secret, no Bearer challenge; its OPTIONS (the CloudEvents handshake)
         * needs WebHook-Request-Origin, without which OPTIONS is 405 as everywhere
         */
        EVENTS("POST"),
        /** the health endpoint, open to anyone */
        HEALTH("GET", "HEAD"),
        /** no resource: 404 (405 for OPTIONS, refused before routing, see NoOptionsFilter) */
        NOTHING,
        /** never routed to the application (outside quarkus.http.root-path, or not a path): the HTTP server's 404 */
        UNROUTED,
        /** refused by the HTTP parser: 400 */
        BAD_REQUEST;

        final Set<String> methods;

        Target(String... methods) {
            this.methods = Set.of(methods);
        }

        boolean admin() {
            return this == SETTINGS || this == STATUS || this == FIREWALL || this == ALLOWLIST || this == REFRESH;
        }

        /** Needs a credential: the admin token, or the events webhook's secret. */
        boolean guarded() {
            return admin() || this == EVENTS;
        }
    }

    record Spelling(String target, Target reaches) {
    }

    static Spelling s(String target, Target reaches) {
        return new Spelling(target, reaches);
    }

    static final List<String> METHODS = List.of("GET", "PUT", "POST", "DELETE", "PATCH", "HEAD", "OPTIONS");

    /** What a hijacker would send: a new admin secret and a changed plain setting. */
    static final String HIJACK = "{\"ADMIN_SECRET\":\"hijacked-admin-secret-0123456789\",\"LOG_FORMAT\":\"hijacked\","
            + "\"GITHUB_TOKEN\":\"hijacked-token\"}";

    /** Spellings around the admin paths, without a root path (the bypasses first). */
    static final List<Spelling> ADMIN_SPELLINGS = List.of(
            s("/api/settings", Target.SETTINGS),
            s("//api/settings", Target.SETTINGS),
            s("///api/settings", Target.SETTINGS),
            s("/%61pi/settings", Target.SETTINGS),
            s("/./api/settings", Target.SETTINGS),
            s("/x/../api/settings", Target.SETTINGS),
            s("/%2e/api/settings", Target.SETTINGS),
            s("/api;x/settings", Target.SETTINGS),
            s("//api/keyvault/status", Target.STATUS),
            s("//api/keyvault/firewall", Target.FIREWALL),
            // dot segments, encoded or not
            s("/%2E/api/settings", Target.SETTINGS),
            s("/../api/settings", Target.SETTINGS),
            s("/%2e%2e/api/settings", Target.SETTINGS),
            s("/api/./settings", Target.SETTINGS),
            s("/api/x/../settings", Target.SETTINGS),
            s("/api/keyvault/./status", Target.STATUS),
            s("/api/keyvault/x/../firewall", Target.FIREWALL),
            s("/api/keyvault/firewall/./allowlist", Target.ALLOWLIST),
            // matrix parameters
            s("/api/settings;x", Target.SETTINGS),
            s("/api;x=1/settings;y=2", Target.SETTINGS),
            s("/api/keyvault/status;x", Target.STATUS),
            s("/api/keyvault;a/firewall;b/allowlist;c", Target.ALLOWLIST),
            // percent-encoded letters, repeated and trailing slashes
            s("/api/%73ettings", Target.SETTINGS),
            s("/%61%70%69/%73%65%74%74%69%6e%67%73", Target.SETTINGS),
            s("/api//settings", Target.SETTINGS),
            s("/api/settings/", Target.SETTINGS),
            s("/api/keyvault//status", Target.STATUS),
            s("/api/keyvault/status/", Target.STATUS),
            s("/api/keyvault/firewall/allowlist", Target.ALLOWLIST),
            s("//api/keyvault/firewall/allowlist", Target.ALLOWLIST),
            s("/api/keyvault/refresh", Target.REFRESH),
            s("//api/keyvault/./refresh;x", Target.REFRESH),
            s("/api/keyvault/%72efresh", Target.REFRESH),
            // query and absolute form
            s("/api/settings?x=1", Target.SETTINGS),
            s("http://localhost/api/settings", Target.SETTINGS),
            // encoded slashes, double encoding, case, trailing dots, path parameters on dot segments: reach nothing
            s("/api%2Fsettings", Target.NOTHING),
            s("/api%2fsettings", Target.NOTHING),
            s("%2F%2Fapi/settings", Target.UNROUTED),
            s("/%2F%2Fapi/settings", Target.NOTHING),
            s("/%2fapi/settings", Target.NOTHING),
            s("/api/keyvault%2Fstatus", Target.NOTHING),
            s("/%252e/api/settings", Target.NOTHING),
            s("/%2561pi/settings", Target.NOTHING),
            s("/api/settings.", Target.NOTHING),
            s("/API/settings", Target.NOTHING),
            s("/Api/Settings", Target.NOTHING),
            s("/api/SETTINGS", Target.NOTHING),
            s("/api/..;/api/settings", Target.NOTHING),
            s("/x/..;/api/settings", Target.NOTHING),
            s("/api/settings%00", Target.NOTHING),
            s("/api/settings%20", Target.NOTHING),
            s("/api/unknown", Target.NOTHING),
            s("/api", Target.NOTHING),
            s("/api/keyvault", Target.NOTHING),
            // backslashes: not a valid request target
            s("/api\\settings", Target.BAD_REQUEST),
            s("/\\api/settings", Target.BAD_REQUEST));

    /** Spellings of the Key Vault events webhook (refused without its secret: 401, or 503 while none is configured). */
    static final List<Spelling> EVENTS_SPELLINGS = List.of(
            s("/api/events/keyvault", Target.EVENTS),
            s("//api/events/keyvault", Target.EVENTS),
            s("/api/events/./keyvault", Target.EVENTS),
            s("/api/x/../events/keyvault", Target.EVENTS),
            s("/%61pi/events/keyvault", Target.EVENTS),
            s("/api/%65vents/keyvault", Target.EVENTS),
            s("/api;x/events;y/keyvault;z", Target.EVENTS),
            s("/api/events//keyvault", Target.EVENTS),
            s("/api/events/keyvault/", Target.EVENTS),
            s("/api/events/keyvault?code=", Target.EVENTS),
            s("/api/events/keyvault?code=wrong-events-secret-0123456789", Target.EVENTS),
            s("/api/events/keyvault?code=a&code=b", Target.EVENTS),
            s("http://localhost/api/events/keyvault", Target.EVENTS),
            s("/api/events%2Fkeyvault", Target.NOTHING),
            s("/api/events/KEYVAULT", Target.NOTHING),
            s("/api/events/keyvault.", Target.NOTHING),
            s("/api/events", Target.NOTHING),
            s("/api/events/keyvault/x", Target.NOTHING));

    private AuthTable() {
    }

    /** The status expected for a refused caller ({@code refused}: 401, or 503 with the admin API off). */
    static int expected(Spelling spelling, String method, int refused) {
        return switch (spelling.reaches()) {
            case NOTHING -> method.equals("OPTIONS") ? 405 : 404;
            case UNROUTED -> 404;
            case BAD_REQUEST -> 400;
            case HEALTH -> spelling.reaches().methods.contains(method) ? 200 : 405;
            default -> spelling.reaches().methods.contains(method) ? refused : 405;
        };
    }

    /** A caller: a label for the report and the header lines it sends (none: no Authorization header). */
    record Caller(String label, List<String> headers) {
    }

    static final Caller ANONYMOUS = new Caller("no Authorization header", List.of());
    static final Caller WRONG_TOKEN = new Caller("wrong bearer token",
            List.of("Authorization: Bearer wrong-admin-token-0123456789"));
    static final Caller BASIC = new Caller("Basic scheme", List.of("Authorization: Basic YWRtaW46YWRtaW4="));

    /** How many requests were sent, and one line per unexpected answer. */
    record Outcome(int sent, List<String> problems) {
    }

    /**
     * Sends every spelling × method × caller (PUT, POST and PATCH with {@link #HIJACK} as the body).
     *
     * @param refused the status of a refused caller on an admin resource
     * @param forbidden fragments no answer may contain (settings, references, paths)
     */
    static Outcome check(int port, List<Spelling> table, List<Caller> callers, int refused, List<String> forbidden) {
        List<String> problems = new ArrayList<>();
        int sent = 0;
        for (Spelling spelling : table) {
            for (String method : METHODS) {
                for (Caller caller : callers) {
                    String body = method.equals("PUT") || method.equals("POST") || method.equals("PATCH") ? HIJACK : null;
                    RawHttp.Reply reply = RawHttp.send(port, method, spelling.target(), caller.headers(), body);
                    sent++;
                    String where = method + " " + spelling.target() + " (" + caller.label() + "): ";
                    int want = expected(spelling, method, refused);
                    if (reply.status() != want) {
                        problems.add(where + "expected " + want + ", got " + reply);
                    }
                    if (spelling.reaches().guarded() && reply.status() / 100 == 2) {
                        problems.add(where + "a guarded resource answered " + reply.status());
                    }
                    for (String fragment : forbidden) {
                        if (reply.body().contains(fragment)) {
                            problems.add(where + "the answer contains '" + fragment + "'");
                        }
                    }
                    if (reply.status() == 401 && spelling.reaches() != Target.EVENTS
                            && !AdminTokenMechanism.CHALLENGE.equals(reply.header("WWW-Authenticate"))) {
                        problems.add(where + "401 without the Bearer challenge: " + reply.headers());
                    }
                    if (spelling.reaches() == Target.EVENTS && reply.status() == 401
                            && (reply.header("WWW-Authenticate") != null || reply.body().contains("ADMIN_SECRET"))) {
                        problems.add(where + "the events webhook's refusal speaks of the admin token: " + reply);
                    }
                    if (reply.status() == 401 || reply.status() == 503) {
                        String prefix = "{\"status\":\"" + (reply.status() == 401 ? "unauthorized" : "unavailable") + "\",\"message\":";
                        String type = String.valueOf(reply.header("Content-Type"));
                        if (!type.startsWith("application/json") || !method.equals("HEAD") && !reply.body().startsWith(prefix)) {
                            problems.add(where + reply.status() + " without the JSON error: " + type + " " + reply.body());
                        }
                    }
                }
            }
        }
        return new Outcome(sent, problems);
    }
}
