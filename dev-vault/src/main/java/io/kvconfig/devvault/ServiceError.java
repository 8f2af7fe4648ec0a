package io.kvconfig.devvault;

import java.util.Map;

/** An error answer in the service's shape: {"error":{"code","message","innererror":{"code"}}}. Never holds values. */
final class ServiceError extends RuntimeException {
    final int status;
    final String code;
    final String innerCode;
    final Map<String, String> headers;

    ServiceError(int status, String code, String message) {
        this(status, code, message, null, Map.of());
    }

    ServiceError(int status, String code, String message, String innerCode) {
        this(status, code, message, innerCode, Map.of());
    }

    ServiceError(int status, String code, String message, String innerCode, Map<String, String> headers) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.innerCode = innerCode;
        this.headers = headers;
    }

    static ServiceError secretNotFound(String name) {
        return new ServiceError(404, "SecretNotFound", "A secret with (name/id) " + name
                + " was not found in this key vault. If you recently deleted this secret you may be able to recover it"
                + " using the correct recovery command. For help resolving this issue, please see"
                + " https://go.microsoft.com/fwlink/?linkid=2125182");
    }

    static ServiceError versionNotFound(String name, String version) {
        return secretNotFound(name + "/" + version);
    }

    static ServiceError deletedNotFound(String name) {
        return new ServiceError(404, "SecretNotFound", "Deleted Secret not found: " + name);
    }

    static ServiceError badParameter(String message) {
        return new ServiceError(400, "BadParameter", message);
    }
}
