package io.kvconfig.service.api;

import java.util.List;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Every error answer of the API: a status word, a human message and, for validation, every problem. Never holds a
 * value sent or stored.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ApiError(String status, String message, List<Problem> errors) {

    /** One problem with one key ({@code key} is null when the key itself cannot be shown). */
    public record Problem(String key, String problem) {
    }

    public static ApiError of(String status, String message) {
        return new ApiError(status, message, null);
    }

    /** This error as a JSON answer with the given status. */
    public Response toResponse(Response.Status httpStatus) {
        return json(httpStatus.getStatusCode(), this);
    }

    /** Any answer body of the API (an ApiError, or a shape of {@link Dtos} that says more) as JSON. */
    public static Response json(int httpStatus, Object body) {
        return Response.status(httpStatus).type(MediaType.APPLICATION_JSON_TYPE).entity(body).build();
    }
}
