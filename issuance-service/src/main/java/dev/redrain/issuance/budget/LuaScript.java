package dev.redrain.issuance.budget;

import io.lettuce.core.RedisException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * A Lua script run by its SHA-1 (EVALSHA), sent in full only when Redis does not know it yet
 * (first use, or after a Redis restart emptied the script cache).
 */
public final class LuaScript {
    private final String text;
    private final String sha;
    private final ScriptOutputType outputType;

    public LuaScript(String text, ScriptOutputType outputType) {
        this.text = text;
        this.outputType = outputType;
        try {
            sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is part of every JDK", e);
        }
    }

    /** A script kept as a resource next to {@code owner}'s class file. */
    public static LuaScript fromResource(Class<?> owner, String name,
            ScriptOutputType outputType) {
        try (InputStream in = owner.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("no Lua script " + name + " next to " + owner);
            }
            return new LuaScript(new String(in.readAllBytes(), StandardCharsets.UTF_8),
                    outputType);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    public <T> T run(RedisCommands<String, String> redis, String[] keys, String... args) {
        try {
            return (T) redis.evalsha(sha, outputType, keys, args);
        } catch (RedisNoScriptException e) {
            return (T) redis.eval(text, outputType, keys, args);
        }
    }

    /**
     * The same, without waiting: several scripts can then share one round trip's wait. The
     * future fails with the command's exception (unwrapped from CompletionException).
     */
    public <T> CompletableFuture<T> runAsync(RedisAsyncCommands<String, String> redis,
            String[] keys, String... args) {
        CompletableFuture<T> result = new CompletableFuture<>();
        redis.<T>evalsha(sha, outputType, keys, args).whenComplete((value, error) -> {
            if (error == null) {
                result.complete(value);
            } else if (unwrap(error) instanceof RedisNoScriptException) {
                redis.<T>eval(text, outputType, keys, args).whenComplete((retried, again) -> {
                    if (again == null) {
                        result.complete(retried);
                    } else {
                        result.completeExceptionally(unwrap(again));
                    }
                });
            } else {
                result.completeExceptionally(unwrap(error));
            }
        });
        return result;
    }

    /**
     * The command's own exception. A connection that breaks mid-command fails the future with
     * a bare I/O exception (Redis restarting): it is a Redis failure like any other, so it
     * becomes a {@link RedisException} and the grab answers 503, not 500.
     */
    static Throwable unwrap(Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null
                ? error.getCause() : error;
        return cause instanceof RuntimeException || cause instanceof Error ? cause
                : new RedisException(cause);
    }
}
