package dev.redrain.settlement;

import dev.redrain.core.keys.RedisKeys;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.LocalDate;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.item.ItemStreamException;
import org.springframework.batch.infrastructure.item.ItemStreamReader;

/**
 * The token hashes of one business date, by a cursor-based {@code SCAN} (never {@code KEYS})
 * in bounded pages, each page's hashes fetched pipelined. The SCAN cursor is saved at every
 * chunk, so a restarted step goes on from there (SCAN may return a key twice; the writer's
 * upsert absorbs it).
 */
class RedisTokenReader implements ItemStreamReader<Map<String, String>> {
    static final String CURSOR = "redisScanCursor";
    private static final int PAGE = 1_000;

    private final StatefulRedisConnection<String, String> redis;
    private final String pattern;
    private final Deque<Map<String, String>> page = new ArrayDeque<>();
    private String cursor = ScanCursor.INITIAL.getCursor();
    /** The cursor the buffered page was read from: saved so a restart re-reads the page. */
    private String pageCursor = cursor;
    private boolean finished;

    RedisTokenReader(StatefulRedisConnection<String, String> redis, RedisKeys keys,
            LocalDate businessDate) {
        this.redis = redis;
        this.pattern = keys.tokensOfDatePattern(businessDate);
    }

    @Override
    public void open(ExecutionContext context) {
        if (context.containsKey(CURSOR)) {
            cursor = context.getString(CURSOR);
            pageCursor = cursor;
            finished = cursor.equals("done");
        }
    }

    @Override
    public void update(ExecutionContext context) {
        context.putString(CURSOR, finished && page.isEmpty() ? "done" : pageCursor);
    }

    @Override
    public Map<String, String> read() throws Exception {
        while (page.isEmpty() && !finished) {
            fetchPage();
        }
        return page.poll();
    }

    private void fetchPage() throws Exception {
        pageCursor = cursor;
        KeyScanCursor<String> scan = redis.sync().scan(ScanCursor.of(cursor),
                ScanArgs.Builder.matches(pattern).limit(PAGE));
        List<RedisFuture<Map<String, String>>> hashes = new ArrayList<>();
        for (String key : scan.getKeys()) {
            hashes.add(redis.async().hgetall(key));
        }
        for (RedisFuture<Map<String, String>> hash : hashes) {
            Map<String, String> fields = hash.get(10, TimeUnit.SECONDS);
            if (fields != null && !fields.isEmpty()) {
                page.add(fields);
            }
        }
        cursor = scan.getCursor();
        finished = scan.isFinished();
    }

    @Override
    public void close() throws ItemStreamException {
        page.clear();
    }
}
