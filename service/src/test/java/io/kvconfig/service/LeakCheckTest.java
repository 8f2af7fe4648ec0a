package io.kvconfig.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import io.kvconfig.runtime.dotenv.DotEnvFormat;

/** The leak net itself: a secret is found in every form a body, a header or a log line can hold it in. */
class LeakCheckTest {

    /** Quotes, a backslash, a newline, a slash, non-ASCII: every escaper changes it. */
    static final String SECRET = "s3cr\"et'\\with/new\nline-é-" + "x".repeat(7);
    static final List<String> SECRETS = List.of(SECRET);

    private static void found(String text) {
        assertThat(LeakCheck.findLeak(text, SECRETS)).as(text).isPresent();
    }

    @Test
    void rawAndJsonEscaped() throws Exception {
        found("log line: " + SECRET + " end");
        String body = new ObjectMapper().writeValueAsString(Map.of("value", SECRET));
        assertThat(body).doesNotContain(SECRET); // why the raw search alone can never fail on a JSON body
        found(body);
        found(JsonMapper.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build().writeValueAsString(List.of(SECRET)));
        found("{\"v\":\"" + new ObjectMapper().writeValueAsString(SECRET).replace("/", "\\/") + "\"}");
    }

    @Test
    void urlEncodedEitherWay() {
        String encoded = URLEncoder.encode(SECRET, StandardCharsets.UTF_8);
        found("GET /x?token=" + encoded + "&a=b");
        found("Location: /x?token=" + encoded.replace("+", "%20"));
    }

    @Test
    void base64AtAnyOffsetInALongerBlob() {
        byte[] secret = SECRET.getBytes(StandardCharsets.UTF_8);
        for (int prefix = 0; prefix < 6; prefix++) {
            byte[] blob = new byte[prefix + secret.length + 5];
            for (int i = 0; i < blob.length; i++) {
                blob[i] = (byte) (i * 31 + 7);
            }
            System.arraycopy(secret, 0, blob, prefix, secret.length);
            found("Authorization: Basic " + Base64.getEncoder().encodeToString(blob));
            found("token=" + Base64.getUrlEncoder().withoutPadding().encodeToString(blob));
        }
    }

    @Test
    void asDotEnvOrBashWouldQuoteIt() {
        found("GITHUB_TOKEN=" + DotEnvFormat.renderValue(SECRET));
        String single = "ghp_x'y-" + "z".repeat(10);
        assertThat(LeakCheck.findLeak("A='" + single.replace("'", "'\\''") + "'", List.of(single))).isPresent();
    }

    @Test
    void otherTextIsNotALeak() throws Exception {
        assertThat(LeakCheck.findLeak("{\"key\":\"GITHUB_TOKEN\",\"reference\":\"@kv:github-token\"}", SECRETS)).isEmpty();
        assertThat(LeakCheck.findLeak(Base64.getEncoder().encodeToString("something else entirely".getBytes(
                StandardCharsets.UTF_8)), SECRETS)).isEmpty();
    }
}
