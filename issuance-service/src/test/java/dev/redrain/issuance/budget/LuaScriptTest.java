package dev.redrain.issuance.budget;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisException;
import io.lettuce.core.RedisNoScriptException;
import java.net.SocketException;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/**
 * Found by the chaos suite: when Redis restarted under a grab, the pipelined script's future
 * failed with a bare {@code SocketException}, which no handler knew, and the grab answered 500.
 * Every failure of a script's future is a {@link RedisException} (a retryable 503).
 */
class LuaScriptTest {

    @Test
    void aBrokenConnectionIsARedisFailure() {
        Throwable failure = LuaScript.unwrap(new CompletionException(
                new SocketException("Connection reset")));
        assertThat(failure).isInstanceOf(RedisException.class)
                .hasCauseInstanceOf(SocketException.class);
    }

    @Test
    void theCommandsOwnExceptionsAreKept() {
        RedisNoScriptException noScript = new RedisNoScriptException("NOSCRIPT");
        assertThat(LuaScript.unwrap(new CompletionException(noScript))).isSameAs(noScript);
        IllegalStateException bug = new IllegalStateException("bug");
        assertThat(LuaScript.unwrap(bug)).isSameAs(bug);
    }
}
