"""The Celery side of `bench/celery/celery-wire.ts`: one no-op task, and a producer.

    /usr/bin/python3 bench_app.py fill <count> <queue>     # send_task('bench.noop') <count> times
"""
import os
import sys

from celery import Celery

REDIS_URL = os.environ.get('REDIS_URL', 'redis://127.0.0.1:6379/0')
app = Celery('bench', broker=REDIS_URL, backend=REDIS_URL)
app.conf.update(task_serializer='json', result_serializer='json', accept_content=['json'],
                worker_hijack_root_logger=False, worker_prefetch_multiplier=4)


@app.task(name='bench.noop')
def noop(i):
    return i


if __name__ == '__main__' and sys.argv[1] == 'fill':
    count, queue = int(sys.argv[2]), sys.argv[3]
    with app.producer_or_acquire() as producer:
        for i in range(count):
            app.send_task('bench.noop', args=[i], queue=queue, producer=producer)
