package io.kvconfig.service;

import io.kvconfig.service.api.ApiError;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;

import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import io.kvconfig.runtime.dotenv.DotEnvParseException;

/** JSON for every error; messages never carry input or values. */
public class ErrorMappers {

    private static final Logger LOG = Logger.getLogger(ErrorMappers.class);

    @ServerExceptionMapper
    public Response webApplication(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        Response.StatusType type = Response.Status.fromStatusCode(status);
        String message = switch (status) {
            case 415 -> "Send the body as JSON with 'Content-Type: application/json'.";
            case 405 -> "Method not allowed here.";
            case 404 -> "Not found.";
            case 406 -> "This API produces application/json.";
            default -> type != null ? type.getReasonPhrase() + "." : "Request failed.";
        };
        return ApiError.json(status, ApiError.of("error", message));
    }

    @ServerExceptionMapper
    public Response invalidEnvFile(DotEnvParseException e) {
        // lists line numbers and keys only (see DotEnvParseException)
        LOG.error(e.getMessage());
        return ApiError.of("invalid_env_file", e.getMessage() + ". Fix the file; nothing was written.")
                .toResponse(Response.Status.INTERNAL_SERVER_ERROR);
    }

    @ServerExceptionMapper
    public Response unexpected(Exception e) {
        LOG.errorf("Unexpected %s in the admin API", e.getClass().getName());
        LOG.debug("Unexpected error", e);
        return ApiError.of("error", "Internal error; nothing was written unless the answer said so.")
                .toResponse(Response.Status.INTERNAL_SERVER_ERROR);
    }
}
