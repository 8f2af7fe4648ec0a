package io.kvconfig.runtime.dotenv;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Child process for the multi-process tests. {@code <file> increment <prefix> <count>}: sets
 * {@code <prefix>_<i>=<i>} one write at a time. {@code <file> crash <first>}: rewrites the file forever with
 * {@link #changes(long)} for n = first, first+1, ..., printing {@code W n} before and {@code D n} after each write.
 * {@code <file> observe-temp}: two writes, printing each temp file's mode and size at its creation.
 */
public final class DotEnvWriterMain {

    public static void main(String[] args) throws Exception {
        DotEnvFile file = new DotEnvFile(Path.of(args[0]));
        switch (args[1]) {
            case "increment" -> {
                int count = Integer.parseInt(args[3]);
                for (int i = 0; i < count; i++) {
                    file.apply(Map.of(args[2] + "_" + i, Integer.toString(i)));
                }
            }
            case "crash" -> {
                // load and warm the classes first, so the kills land in the write loop, not in class loading
                file.read();
                for (int i = 0; i < 20; i++) {
                    DotEnvFormat.parse(DotEnvFormat.render(DotEnvFormat.apply(DotEnvDocument.EMPTY, changes(i))));
                }
                System.out.println("READY");
                System.out.flush();
                for (long n = Long.parseLong(args[2]);; n++) {
                    System.out.println("W " + n);
                    System.out.flush();
                    file.apply(changes(n));
                    System.out.println("D " + n);
                    System.out.flush();
                }
            }
            case "observe-temp" -> {
                // what a file created without a mode gets under this process's umask
                Path plain = file.path().resolveSibling("plain");
                java.nio.file.Files.createFile(plain);
                System.out.println("PLAIN " + perms(plain));
                DotEnvFile.tempFileCreated = tmp -> {
                    try {
                        System.out.println("TEMP " + perms(tmp) + " " + java.nio.file.Files.size(tmp) + " bytes");
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                };
                file.apply(Map.of("A", "first"));
                file.apply(Map.of("A", "second"));
                System.out.println("FINAL " + perms(file.path()));
            }
            default -> throw new IllegalArgumentException(args[1]);
        }
    }

    private static String perms(Path p) throws java.io.IOException {
        return java.nio.file.attribute.PosixFilePermissions.toString(java.nio.file.Files.getPosixFilePermissions(p));
    }

    /** The changes of write n: the result depends on n only (see DotEnvCrashTest). Sizes vary up to ~40 KB. */
    static Map<String, String> changes(long n) {
        Map<String, String> changes = new LinkedHashMap<>();
        changes.put("VERSION", Long.toString(n));
        StringBuilder payload = new StringBuilder();
        int length = (int) ((n * 7919) % 40_000);
        String pattern = "it's $HOME \"q\" \\ # = \n\té😀 ";
        while (payload.length() < length) {
            payload.append(pattern).append(n);
        }
        changes.put("PAYLOAD", payload.toString());
        changes.put("ODD", n % 2 == 1 ? "odd " + n : null);
        return changes;
    }
}
