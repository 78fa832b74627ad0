package io.parley.worker;

import io.parley.infra.Databases;
import io.parley.infra.TestServices;
import io.parley.protocol.RedisKeys;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPool;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/** A worker test's own migrated database and Redis key prefix on the shared services; close() removes both. */
final class TestBed implements AutoCloseable {
    final TestServices.Isolated services = TestServices.isolated();
    final Fixtures fixtures;
    final RedisKeys keys;
    final JedisPool redis;

    TestBed() throws Exception {
        Databases.migrate(services.database());
        fixtures = new Fixtures(services.database());
        keys = new RedisKeys(services.redis().prefix());
        redis = new JedisPool(services.redis().uri());
    }

    @Override
    public void close() {
        try (Jedis jedis = redis.getResource()) {
            String cursor = ScanParams.SCAN_POINTER_START;
            do {
                ScanResult<String> page = jedis.scan(
                        cursor, new ScanParams().match(keys.prefix() + "*").count(500));
                if (!page.getResult().isEmpty()) {
                    jedis.del(page.getResult().toArray(String[]::new));
                }
                cursor = page.getCursor();
            } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
        }
        redis.close();
        services.dropDatabase();
    }
}
