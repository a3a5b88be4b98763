"""Django's database and Redis caches with an ``incr`` that is atomic across processes.

The public throttles count with ``cache.add(key, 0)`` then ``cache.incr(key)``. Django's own
``incr`` is a read then a write on the database cache (two app servers can both read 3 and both
write 4) and, on Redis, an ``EXISTS`` then an ``INCR`` (a key expiring in between comes back
without an expiry, and the counter would then never reset). These two backends close both gaps;
like Django's, they raise ``ValueError`` when the key is missing or expired.
"""

from __future__ import annotations

import base64
import pickle

from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.db import connections, models, router, transaction
from django.utils.timezone import now as tz_now


class DatabaseCache(DjangoDatabaseCache):
    def incr(self, key, delta=1, version=None):
        key = self.make_and_validate_key(key, version=version)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        quote_name = connection.ops.quote_name
        table = quote_name(self._table)
        column = {name: quote_name(name) for name in ("cache_key", "value", "expires")}
        # FOR UPDATE holds the row on PostgreSQL until the new value is written; SQLite has no
        # row locks, but its write transactions are IMMEDIATE (settings), which serialises them.
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        with transaction.atomic(using=db), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {column['value']}, {column['expires']} FROM {table} "
                f"WHERE {column['cache_key']} = %s{lock}",
                [key],
            )
            row = cursor.fetchone()
            if row is None or self._expired(connection, row[1]):
                raise ValueError(f"Key '{key}' not found.")
            value = connection.ops.process_clob(row[0])
            new = pickle.loads(base64.b64decode(value.encode())) + delta
            encoded = base64.b64encode(pickle.dumps(new, self.pickle_protocol)).decode("latin1")
            cursor.execute(
                f"UPDATE {table} SET {column['value']} = %s WHERE {column['cache_key']} = %s",
                [encoded, key],
            )
        return new

    @staticmethod
    def _expired(connection, expires) -> bool:
        expression = models.Expression(output_field=models.DateTimeField())
        for converter in connection.ops.get_db_converters(
            expression
        ) + expression.get_db_converters(connection):
            expires = converter(expires, expression, connection)
        return expires < tz_now()


#: INCRBY only when the key exists, in one step on the server; nil when it does not.
_INCR_EXISTING = """
if redis.call('EXISTS', KEYS[1]) == 1 then
  return redis.call('INCRBY', KEYS[1], ARGV[1])
end
return nil
"""


class RedisCache(DjangoRedisCache):
    def incr(self, key, delta=1, version=None):
        key = self.make_and_validate_key(key, version=version)
        client = self._cache.get_client(key, write=True)
        value = client.eval(_INCR_EXISTING, 1, key, delta)
        if value is None:
            raise ValueError(f"Key '{key}' not found.")
        return value
