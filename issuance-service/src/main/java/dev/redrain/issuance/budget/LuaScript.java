package dev.redrain.issuance.budget;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.sync.RedisCommands;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

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

    @SuppressWarnings("unchecked")
    public <T> T run(RedisCommands<String, String> redis, String[] keys, String... args) {
        try {
            return (T) redis.evalsha(sha, outputType, keys, args);
        } catch (RedisNoScriptException e) {
            return (T) redis.eval(text, outputType, keys, args);
        }
    }
}
