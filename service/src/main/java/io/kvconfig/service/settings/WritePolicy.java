package io.kvconfig.service.settings;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Which keys {@code PUT /api/settings} may write ({@code kvconfig.service.protected-keys} and
 * {@code kvconfig.service.writable-keys}). A key is refused when it matches a protected pattern and no writable
 * pattern. Patterns are key names in which {@code *} stands for any run of characters ({@code QUARKUS_*}).
 * <p>
 * The default protects what would let an admin token holder take over or brick the service at its next start: the
 * framework's and this service's own settings, JVM and loader options, the Azure credential's settings, proxies,
 * the container entrypoint's settings and every variable bash gives a meaning to (the entrypoint sources
 * {@code .env} with bash: a read-only one kills it, {@code IFS} or {@code POSIXLY_CORRECT} change how it runs).
 */
public final class WritePolicy {

    /** The protected patterns by default, grouped by the reason they are protected. */
    private static final Map<String, String> DEFAULT_GROUPS = new LinkedHashMap<>();

    static {
        group("it configures Quarkus, the kvconfig extension or the config system (it could turn the Key Vault token's "
                + "safeguards off or point the service elsewhere)", "QUARKUS_*", "SMALLRYE_*", "MP_*", "CONFIG_ORDINAL");
        group("it configures this service or its container entrypoint (kvconfig.service.*, KVCONFIG_*)", "KVCONFIG_*");
        group("it is a JVM or dynamic loader option (it could load code of the writer's choice)", "JAVA_*", "JDK_*",
                "_JAVA_OPTIONS", "CLASSPATH", "LD_*", "GLIBC_TUNABLES");
        group("it configures the Azure credential (which identity, tenant or token endpoint the service uses)",
                "AZURE_*", "IDENTITY_*", "MSI_*", "IMDS_*");
        group("it routes the service's traffic, Key Vault token included, through a proxy", "HTTP_PROXY",
                "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY");
        group("it is a setting of the container entrypoint (where the app and .env are)", "APP_HOME", "DATA_DIR",
                "ENV_FILE");
        // bash(1), "Shell Variables": every variable bash sets, reads or keeps read-only (and TERM, which it sets)
        group("it is a bash special or read-only variable (the container entrypoint sources .env with bash: it would "
                + "fail or run differently)", "BASH", "BASH_*", "BASHOPTS", "BASHPID", "CDPATH", "CHILD_MAX", "COLUMNS",
                "COMP_*", "COMPREPLY", "COPROC", "DIRSTACK", "EMACS", "ENV", "EPOCHREALTIME", "EPOCHSECONDS", "EUID",
                "EXECIGNORE", "FCEDIT", "FIGNORE", "FUNCNAME", "FUNCNEST", "GLOBIGNORE", "GLOBSORT", "GROUPS", "HISTCMD",
                "HISTCONTROL", "HISTFILE", "HISTFILESIZE", "HISTIGNORE", "HISTSIZE", "HISTTIMEFORMAT", "HOME", "HOSTFILE",
                "HOSTNAME", "HOSTTYPE", "IFS", "IGNOREEOF", "INPUTRC", "INSIDE_EMACS", "LANG", "LC_*", "LINENO", "LINES",
                "MACHTYPE", "MAIL", "MAILCHECK", "MAILPATH", "MAPFILE", "OLDPWD", "OPTARG", "OPTERR", "OPTIND", "OSTYPE",
                "PATH", "PIPESTATUS", "POSIXLY_CORRECT", "PPID", "PROMPT_COMMAND", "PROMPT_DIRTRIM", "PS0", "PS1", "PS2",
                "PS3", "PS4", "PWD", "RANDOM", "READLINE_*", "REPLY", "SECONDS", "SHELL", "SHELLOPTS", "SHLVL", "SRANDOM",
                "TERM", "TIMEFORMAT", "TMOUT", "TMPDIR", "UID");
    }

    private static void group(String reason, String... patterns) {
        for (String p : patterns) {
            DEFAULT_GROUPS.put(p, reason);
        }
    }

    /** {@code kvconfig.service.protected-keys}'s default (see the class comment). */
    public static final String DEFAULT_PROTECTED_KEYS = "QUARKUS_*,SMALLRYE_*,MP_*,CONFIG_ORDINAL,KVCONFIG_*,JAVA_*,JDK_*,"
            + "_JAVA_OPTIONS,CLASSPATH,LD_*,GLIBC_TUNABLES,AZURE_*,IDENTITY_*,MSI_*,IMDS_*,HTTP_PROXY,HTTPS_PROXY,"
            + "ALL_PROXY,NO_PROXY,APP_HOME,DATA_DIR,ENV_FILE,BASH,BASH_*,BASHOPTS,BASHPID,CDPATH,CHILD_MAX,COLUMNS,COMP_*,"
            + "COMPREPLY,COPROC,DIRSTACK,EMACS,ENV,EPOCHREALTIME,EPOCHSECONDS,EUID,EXECIGNORE,FCEDIT,FIGNORE,FUNCNAME,"
            + "FUNCNEST,GLOBIGNORE,GLOBSORT,GROUPS,HISTCMD,HISTCONTROL,HISTFILE,HISTFILESIZE,HISTIGNORE,HISTSIZE,"
            + "HISTTIMEFORMAT,HOME,HOSTFILE,HOSTNAME,HOSTTYPE,IFS,IGNOREEOF,INPUTRC,INSIDE_EMACS,LANG,LC_*,LINENO,LINES,"
            + "MACHTYPE,MAIL,MAILCHECK,MAILPATH,MAPFILE,OLDPWD,OPTARG,OPTERR,OPTIND,OSTYPE,PATH,PIPESTATUS,"
            + "POSIXLY_CORRECT,PPID,PROMPT_COMMAND,PROMPT_DIRTRIM,PS0,PS1,PS2,PS3,PS4,PWD,RANDOM,READLINE_*,REPLY,"
            + "SECONDS,SHELL,SHELLOPTS,SHLVL,SRANDOM,TERM,TIMEFORMAT,TMOUT,TMPDIR,UID";

    /** {@code kvconfig.service.writable-keys}'s default: Azure OpenAI settings are the app's, not the credential's. */
    public static final String DEFAULT_WRITABLE_KEYS = "AZURE_OPENAI_*";

    private static final Pattern VALID_PATTERN = Pattern.compile("[A-Za-z0-9_*]+");

    private record Rule(String pattern, Pattern regex) {
    }

    private final List<Rule> protectedKeys;
    private final List<Rule> writableKeys;

    /**
     * @throws IllegalArgumentException naming the property and pattern that is not a valid key pattern
     */
    public WritePolicy(List<String> protectedKeys, List<String> writableKeys) {
        this.protectedKeys = rules("kvconfig.service.protected-keys", protectedKeys);
        this.writableKeys = rules("kvconfig.service.writable-keys", writableKeys);
    }

    /** The default policy. */
    public static WritePolicy defaults() {
        return new WritePolicy(List.of(DEFAULT_PROTECTED_KEYS.split(",")), List.of(DEFAULT_WRITABLE_KEYS.split(",")));
    }

    private static List<Rule> rules(String property, List<String> patterns) {
        List<Rule> out = new ArrayList<>();
        for (String raw : patterns == null ? List.<String>of() : patterns) {
            String p = raw.strip();
            if (p.isEmpty()) {
                continue;
            }
            if (!VALID_PATTERN.matcher(p).matches()) {
                throw new IllegalArgumentException(property + ": '" + p + "' is not a key pattern (letters, digits, _ "
                        + "and * for any run of characters)");
            }
            out.add(new Rule(p, Pattern.compile(toRegex(p))));
        }
        return List.copyOf(out);
    }

    private static String toRegex(String pattern) {
        StringBuilder regex = new StringBuilder();
        int from = 0;
        for (int star = pattern.indexOf('*'); star >= 0; star = pattern.indexOf('*', from)) {
            regex.append(Pattern.quote(pattern.substring(from, star))).append(".*");
            from = star + 1;
        }
        return regex.append(Pattern.quote(pattern.substring(from))).toString();
    }

    /** Why {@code key} may not be written, or empty when it may. Names the pattern; never a value. */
    public Optional<String> refusal(String key) {
        for (Rule writable : writableKeys) {
            if (writable.regex().matcher(key).matches()) {
                return Optional.empty();
            }
        }
        for (Rule p : protectedKeys) {
            if (p.regex().matcher(key).matches()) {
                String why = DEFAULT_GROUPS.getOrDefault(p.pattern(), "the operator protected it");
                return Optional.of("this key may not be written through the API: " + why
                        + " (kvconfig.service.protected-keys pattern '" + p.pattern() + "')");
            }
        }
        return Optional.empty();
    }

    /** The default protected patterns, by their reason (for the test that keeps the default list complete). */
    static Map<String, String> defaultGroups() {
        return java.util.Collections.unmodifiableMap(DEFAULT_GROUPS);
    }

    /** True when the key matches a pattern of writable-keys or none of protected-keys. */
    public boolean writable(String key) {
        return refusal(key).isEmpty();
    }

    @Override
    public String toString() {
        return "WritePolicy[protected=" + protectedKeys.stream().map(Rule::pattern).toList() + ", writable="
                + writableKeys.stream().map(Rule::pattern).toList() + "]";
    }
}
