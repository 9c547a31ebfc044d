"""Sends `billing.charge` from Python (Celery) to the sample's Nest worker and prints the result.

    REDIS_URL=redis://localhost:6379 node dist/sample/worker.main.js        # consumes `legacy` too
    REDIS_URL=redis://localhost:6379 /usr/bin/python3 sample/celery/send_charge.py acct-42 1250 USD

Needs Celery and redis-py (`sudo apt-get install -y python3-celery python3-redis`).
"""
import os
import sys

from celery import Celery

app = Celery('django_side', broker=os.environ.get('REDIS_URL', 'redis://localhost:6379/0'),
             backend=os.environ.get('REDIS_URL', 'redis://localhost:6379/0'))
app.conf.update(task_serializer='json', result_serializer='json', accept_content=['json'])

account = sys.argv[1] if len(sys.argv) > 1 else 'acct-42'
cents = int(sys.argv[2]) if len(sys.argv) > 2 else 1250
currency = sys.argv[3] if len(sys.argv) > 3 else 'EUR'

result = app.send_task('billing.charge', args=[account, cents], kwargs={'currency': currency}, queue='legacy')
print(f'sent billing.charge[{result.id}] to the Nest worker')
try:
    print('result:', result.get(timeout=30))
except Exception as error:  # a Node error arrives as an exception of its name
    print(f'failed: {type(error).__name__}: {error}')
    sys.exit(1)
