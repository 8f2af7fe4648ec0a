/**
 * Vault firewall allowlisting: put this machine's public IPv4 address on the Key Vault firewall through Azure
 * Resource Manager, so a laptop or build agent can reach a vault whose firewall denies public traffic.
 *
 * <h2>When it runs</h2>
 * Only when a resource group is configured ({@code quarkus.kvconfig.firewall.resource-group} or {@code KEY_VAULT_RG}):
 * <ul>
 * <li>at startup, before {@code @kv:} references are resolved ({@link io.kvconfig.runtime.resolve.FirewallHook#beforeResolve}),
 * with {@code quarkus.kvconfig.firewall.when=startup} (the default); with {@code on-refusal} not before, only on a refusal
 * ({@link OnRefusalAllowlisting}, which creates the allowlister on the first refusal, so a start that is let through
 * loads none of Resource Manager's code);</li>
 * <li>once per resolution when a secret call is refused by the firewall, then the refused calls are retried
 * ({@link io.kvconfig.runtime.resolve.FirewallHook#onForbiddenByConnection});</li>
 * <li>whenever an application calls {@link FirewallAllowlister} itself.</li>
 * </ul>
 *
 * <h2>Decisions</h2>
 * <ul>
 * <li><b>Startup continues when allowlisting fails</b> (warning logged, reason kept as {@link io.kvconfig.runtime.KeyVault#lastAllowlisting()}): the
 * vault may be reachable anyway (rule added by someone else, open vault). If the firewall then blocks resolution,
 * startup fails with the resolver's aggregated error, which carries the allowlisting reason when the hook threw.</li>
 * <li>Addresses: only a public IPv4 address; private, loopback, link-local, CGNAT, multicast, reserved, 0/8,
 * benchmarking and broadcast are refused with the range named. The documentation ranges (TEST-NET-1/2/3) are
 * accepted: Key Vault only refuses private ranges, and the dev vault's default caller IP is 203.0.113.10.</li>
 * <li>Idempotent: an address covered by an existing rule (exact or CIDR) is not written again. Default action
 * Allow (public traffic allowed) needs no rule and nothing is written.</li>
 * <li>Minimal write: PATCH of {@code properties.networkAcls} only, carrying every existing IP rule, virtual
 * network rule, bypass and default action; re-read and verified; a rule removed by a concurrent writer makes the
 * read-modify-write retry (3 attempts). ARM offers no ETag on vaults, so a rule added by someone else between our
 * read and write can still be lost; the window is one round trip and it is logged when detected.</li>
 * <li>Never changes {@code publicNetworkAccess} or {@code defaultAction}. With public access disabled the run
 * fails with "public network access is disabled on this vault; an IP rule cannot help" unless
 * {@code allow-public-network-access=true} (then the rule is added, public access stays disabled).</li>
 * <li>After adding, a cheap data-plane call (one page of secret names) is polled with exponential backoff
 * (200 ms doubling, at most 5 s apart) up to {@code propagation-timeout}; no fixed sleep.</li>
 * <li>Dev/test launch mode: only a loopback Resource Manager URL (the dev vault's, set by the Dev Service) is
 * used; anything else, including the default management.azure.com, is refused with a logged reason.</li>
 * <li>Runs are serialised process-wide; results never contain a secret value or token.</li>
 * </ul>
 */
package io.kvconfig.runtime.firewall;
