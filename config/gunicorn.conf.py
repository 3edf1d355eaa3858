"""gunicorn settings for Rightsdesk (README "Running in production").

    gunicorn -c config/gunicorn.conf.py

Every value can be set from the environment; the web workers are stateless (sessions, cache
and files live in PostgreSQL, Redis and object storage), so several machines can each run this.
Renders and e-mail run in the task workers, never here, so requests stay short.
"""

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


wsgi_app = "config.wsgi:application"
bind = [b for b in os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",") if b]

# Processes: by default two per core plus one; threads per process for I/O waits.
workers = _int("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1)
threads = _int("GUNICORN_THREADS", 1)
# gthread even with one thread: it keeps a client's connection open between requests (a proxy's
# upstream keep-alive), where the sync worker closes it after each one, so every request paid a
# TCP handshake and teardown. bench/intake_load.py, 2 workers of one thread: sync 101.8
# filings/s with p99 4.8 s, gthread 109.4/s with p99 468 ms (of 110/s offered). More threads
# than one made it slower (93.5/s with two): they wait for the GIL behind each other.
worker_class = os.environ.get("GUNICORN_WORKER_CLASS") or "gthread"

# A request taking longer than this has its worker killed and replaced.
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Recycling: each worker is replaced after about this many requests (jitter spreads the
# restarts), which bounds the memory any slow leak can take. bench/memory.py finds no growth
# over 10,000 mixed requests (under 1 %), and a restart costs a second of CPU (the app loads
# again): at 1,000 a worker filing 50 grievances a second would restart every 20 s.
max_requests = _int("GUNICORN_MAX_REQUESTS", 10000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 1000)
# Each worker loads the app itself: no database connection is shared across a fork.
preload_app = False


def post_worker_init(worker):
    """Once the worker has loaded the app, move what it loaded (Django, the apps, their
    modules, some 135,000 objects) out of the garbage collector's sight: a full collection
    then walks only what requests left behind. Before, every full collection walked all of it,
    about 85 ms on a 2.6 GHz EPYC core, some once a second per worker under intake load
    (bench/intake_load.py), and garbage collection took a fifth of a filing's CPU time."""
    import gc

    gc.collect()
    gc.freeze()


# Heartbeat files in memory, not on a disk that may stall.
_SHM = "/dev/shm"  # noqa: S108 - gunicorn's heartbeat files, not data  # nosec B108
if os.path.isdir(_SHM):
    worker_tmp_dir = _SHM

# Behind a proxy on the same machine by default; set the proxy's address otherwise.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# The runtime control socket (gunicorn >= 25.1) defaults to one path per user, which a second
# gunicorn on the machine would fight over; off unless a path is given.
if os.environ.get("GUNICORN_CONTROL_SOCKET"):
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]
else:
    control_socket_disable = True

# Logs: to stderr for the service manager. The access line has no client address, no browser
# string and no query string (workers filing anonymously leave no trace; DESIGN §3), and the
# logger blanks those even if another format is given (ops/gunicorn_logging.py).
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
access_log_format = '%(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms pid=%(p)s'
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
logger_class = "ops.gunicorn_logging.PrivateLogger"
proc_name = os.environ.get("GUNICORN_PROC_NAME", "rightsdesk")
