"""Demo and benchmark data.

- `seed.py` builds the demo of `manage.py seed_demo` through the real services, from the
  tables in `data.py` (organisations, people, employers, ~60 grievances and their histories);
- `bulk.py` generates benchmark data at scale with bulk inserts for `manage.py seed_bench`,
  writing the same rows (audit chains, guardian grants, references) the services write;
- `codes.py` makes valid identifiers (unified social credit codes, resident ID numbers);
- `clock.py` lets the demo's history happen on the days it says, so that its timelines, queues
  and deadlines look like a year of real use.
"""
