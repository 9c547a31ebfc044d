"""Python producer of the Celery wire tests: one JSON command in argv[1], one JSON line out.

{"send": {"name", "args", "kwargs", "queue", "countdown", "expires", "priority", "protocol",
          "link": {sig}, "link_error": {sig}, "task_id"}, "wait": seconds}
{"chain": [{sig}, ...], "queue": q, "wait": seconds}
{"chord": {"header": [{sig}, ...], "body": {sig}}}: prints {"id", "header": [ids]}
{"get": "<task id>", "wait": seconds}
{"revoke": "<task id>", "terminate": bool}: AsyncResult.revoke() (Celery's pidbox broadcast)
A sig is {"name", "args", "kwargs", "queue", "immutable"}. Prints {"id", "status",
"result"} or {"id", "status", "error": {"type", "message"}}.
"""
import json
import sys

from celery import chain, chord, signature
from celery.result import AsyncResult

from celery_app import app


def sig(spec):
    options = {}
    if spec.get('queue'):
        options['queue'] = spec['queue']
    return signature(spec['name'], args=spec.get('args', []), kwargs=spec.get('kwargs', {}),
                     immutable=spec.get('immutable', False), app=app, **options)


def outcome(result, wait):
    out = {'id': result.id}
    if wait is None:
        return out
    try:
        out['result'] = result.get(timeout=wait)
    except Exception as error:  # the point: what Python sees
        out['error'] = {'type': type(error).__name__, 'message': str(error),
                        'module': type(error).__module__}
    out['status'] = result.state
    return out


def main():
    command = json.loads(sys.argv[1])
    wait = command.get('wait')
    if 'send' in command:
        s = command['send']
        options = {k: s[k] for k in ('queue', 'countdown', 'expires', 'priority', 'task_id', 'ignore_result', 'serializer') if k in s}
        if 'link' in s:
            options['link'] = sig(s['link'])
        if 'link_error' in s:
            options['link_error'] = sig(s['link_error'])
        if s.get('protocol') == 1:
            app.conf.task_protocol = 1
        result = app.send_task(s['name'], args=s.get('args', []), kwargs=s.get('kwargs', {}), **options)
    elif 'chord' in command:
        c = command['chord']
        result = chord([sig(step) for step in c['header']])(sig(c['body']))
        out = {'id': result.id, 'header': [child.id for child in result.parent.results]}
        print(json.dumps(out), flush=True)
        return
    elif 'chain' in command:
        result = chain(*[sig(step) for step in command['chain']]).apply_async(queue=command.get('queue'))
    elif 'revoke' in command:
        AsyncResult(command['revoke'], app=app).revoke(terminate=command.get('terminate', False))
        print(json.dumps({'id': command['revoke']}), flush=True)
        return
    else:
        result = AsyncResult(command['get'], app=app)
    print(json.dumps(outcome(result, wait)), flush=True)


if __name__ == '__main__':
    main()
