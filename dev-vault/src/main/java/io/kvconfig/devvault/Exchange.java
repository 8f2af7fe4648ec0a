package io.kvconfig.devvault;

import java.io.IOException;
import java.util.Map;

/**
 * One HTTP request and its answer, whichever server carries it: the Vert.x HTTPS port (HTTP/2 and HTTP/1.1) or the
 * JDK server of the token endpoint. {@link Request} and the handlers only see this, so both share one code path.
 */
interface Exchange {
    /** The method as sent (not normalized). */
    String method();

    /** The path as sent, not decoded. */
    String rawPath();

    /** The query as sent, not decoded; null when there is none. */
    String rawQuery();

    /** First value of a request header (case-insensitive), null when absent; "Host" also answers HTTP/2's authority. */
    String header(String name);

    boolean http2();

    /** At most limit bytes of the request body (the caller asks for one more than it accepts to see an oversize). */
    byte[] body(int limit) throws IOException;

    /**
     * Reads and discards what is left of the body before an answer: closing a connection with unread input makes TCP
     * reset it, and the client would lose the answer.
     */
    void discardBody();

    /** Sends the whole answer; an empty body sends none (as for HEAD). A "Connection: close" header is honoured. */
    void send(int status, Map<String, String> headers, byte[] body) throws IOException;

    /** Ends the exchange without an answer: HTTP/1.1 closes the connection, HTTP/2 resets only this stream. */
    void drop();
}
