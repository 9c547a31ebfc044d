"""The Celery side of the Celery wire tests (test/celery): a real Celery app.

Environment: REDIS_URL (the suite's redis-server), CELERY_VT (kombu's visibility_timeout,
seconds; default 3600), CELERY_DEFAULT_QUEUE (default 'celery'), CELERY_KEY_PREFIX (kombu's
global_keyprefix, default none).
"""
import os
import time

import redis
from celery import Celery

REDIS_URL = os.environ.get('REDIS_URL', 'redis://127.0.0.1:6379/0')
VT = float(os.environ.get('CELERY_VT', '3600'))

app = Celery('nestjs_tasks_wire', broker=REDIS_URL, backend=REDIS_URL)
transport_options = {'visibility_timeout': VT}
if os.environ.get('CELERY_KEY_PREFIX'):
    transport_options['global_keyprefix'] = os.environ['CELERY_KEY_PREFIX']
app.conf.update(
    task_serializer='json',
    result_serializer='json',
    accept_content=['json'],
    task_default_queue=os.environ.get('CELERY_DEFAULT_QUEUE', 'celery'),
    broker_transport_options=transport_options,
    worker_prefetch_multiplier=1,
    worker_hijack_root_logger=False,
    enable_utc=True,
)

_redis = redis.Redis.from_url(REDIS_URL)


@app.task(name='reports.render')
def render(report_id, style='plain'):
    return {'report': report_id, 'style': style, 'by': 'python'}


@app.task(name='py.add')
def add(x, y):
    return x + y


@app.task(name='py.fail')
def fail(message):
    raise ValueError(message)


@app.task(name='py.record')
def record(*args, **kwargs):
    """Appends what it got to the list `py:record` (callbacks, errbacks, chain steps)."""
    import json
    _redis.rpush('py:record', json.dumps({'args': list(args), 'kwargs': kwargs}))
    return list(args)


@app.task(name='shared.slow', acks_late=True)
def slow(key, seconds):
    """Marks that it started (RPUSH `<key>:started python`), runs until `<key>:go` exists
    (at most `seconds`), returns who ran it."""
    _redis.rpush(key + ':started', 'python')
    deadline = time.time() + seconds
    while time.time() < deadline and not _redis.exists(key + ':go'):
        time.sleep(0.05)
    return 'python'
