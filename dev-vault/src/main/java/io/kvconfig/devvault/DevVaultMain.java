package io.kvconfig.devvault;

public final class DevVaultMain {
    public static void main(String[] args) {
    }
}
