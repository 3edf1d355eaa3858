#!/usr/bin/env bash
# A backup and restore, done for real (README "Backups and restore"):
#   1. a PostgreSQL database with the demo data (manage.py seed_demo), its own var/ (keys, files);
#   2. the backup: pg_dump -Fc of the database, and a tar of var/'s keys and files;
#   3. the restore: a new database from pg_restore, a new var/ from the tar;
#   4. the app reads the restored copy: the same cases and states, the same object-permission
#      rows and memberships compared as sets (ops/backup_check.py), every evidence file and
#      generated document with its recorded SHA-256, a worker's encrypted ID number and phone decrypted to the
#      same values, the audit chain intact (manage.py verify_audit);
#   5. and without the backed-up field key the same database is unreadable.
# Exits non-zero if any check fails. Needs PostgreSQL on PG_HOST:PG_PORT (trust for PG_USER).
set -euo pipefail
cd "$(dirname "$0")/.."

PY=.venv/bin/python
PG_HOST="${PG_HOST:-127.0.0.1}"
PG_PORT="${PG_PORT:-5432}"
PG_USER="${PG_USER:-postgres}"
SOURCE_DB="${SOURCE_DB:-rd_scale_backup_source}"
RESTORED_DB="${RESTORED_DB:-rd_scale_backup_restored}"
pg=(-h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER")
url() { echo "postgres://$PG_USER@$PG_HOST:$PG_PORT/$1"; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/source-var" "$work/backup" "$work/restored-var" "$work/other-var"

# Reads the database the environment names; prints one JSON line.
read_back() {
    "$PY" manage.py shell -v 0 -c '
import hashlib, json
from django.core.files.storage import default_storage
from casework.models import Case, Worker
from documents.models import GeneratedDocument
worker = Worker.objects.exclude(id_number="").order_by("pk").first()
files_ok = 0
ready = GeneratedDocument.objects.filter(status="ready").order_by("pk")
for doc in ready:
    with default_storage.open(doc.file.name, "rb") as fh:
        files_ok += hashlib.sha256(fh.read()).hexdigest() == doc.sha256
from ops.backup_check import fingerprint
print(json.dumps({"cases": Case.objects.count(), "worker": worker.pk,
                  "id_number": worker.id_number, "phone": worker.phone,
                  "documents": ready.count(), "documents_with_their_file": files_ok,
                  "fingerprint": fingerprint()}))
' | tail -n 1
}

echo "== 1. source database $SOURCE_DB with the demo data"
dropdb "${pg[@]}" --if-exists --force "$SOURCE_DB"
dropdb "${pg[@]}" --if-exists --force "$RESTORED_DB"
createdb "${pg[@]}" "$SOURCE_DB"
export DATABASE_URL; DATABASE_URL="$(url "$SOURCE_DB")"
export RIGHTSDESK_VAR_DIR="$work/source-var"
"$PY" manage.py migrate --no-input -v 0
"$PY" manage.py seed_demo | tail -n 3
before="$(read_back)"
echo "source:   ${before:0:300}…"

echo "== 2. backup: pg_dump and var/ (keys and files)"
pg_dump "${pg[@]}" --format=custom --file="$work/backup/rightsdesk.dump" "$SOURCE_DB"
tar -C "$work/source-var" -czf "$work/backup/var.tar.gz" --exclude=cache --exclude=upload-tmp \
    --exclude=staticfiles .
ls -l "$work/backup"

echo "== 3. restore into $RESTORED_DB and a new var/"
createdb "${pg[@]}" "$RESTORED_DB"
pg_restore "${pg[@]}" --no-owner --exit-on-error --dbname="$RESTORED_DB" "$work/backup/rightsdesk.dump"
tar -C "$work/restored-var" -xzf "$work/backup/var.tar.gz"
# The source is gone, as after losing the machine.
dropdb "${pg[@]}" --force "$SOURCE_DB"
rm -rf "$work/source-var"

echo "== 4. the app reads the restored copy"
DATABASE_URL="$(url "$RESTORED_DB")"
RIGHTSDESK_VAR_DIR="$work/restored-var"
after="$(read_back)"
echo "restored: ${after:0:300}…"
"$PY" manage.py verify_audit
"$PY" - "$before" "$after" <<'PYCHECK'
import json, sys
from ops.backup_check import files_intact
before, after = (json.loads(a) for a in sys.argv[1:3])
for key in ("grants", "memberships", "files"):  # compared as sets: name what differs
    lost = set(before["fingerprint"][key]) - set(after["fingerprint"][key])
    gained = set(after["fingerprint"][key]) - set(before["fingerprint"][key])
    assert not lost and not gained, (key, sorted(lost)[:20], sorted(gained)[:20])
assert before == after, "the restored copy differs"
assert after["fingerprint"]["grants"] and files_intact(after["fingerprint"]), "grants or files"
assert after["cases"] > 0 and after["id_number"] and after["phone"], after
assert after["documents"] > 0 and after["documents_with_their_file"] == after["documents"], after
print(f"restored copy matches: {after['cases']} cases, worker {after['worker']}'s ID number and "
      f"phone decrypted, {after['documents']} documents with their files, "
      f"{len(after['fingerprint']['grants'])} object permissions and "
      f"{len(after['fingerprint']['memberships'])} memberships identical as sets, "
      f"{len(after['fingerprint']['files'])} files with their hashes")
PYCHECK

echo "== 5. without the backed-up keys the restored data cannot be read"
RIGHTSDESK_VAR_DIR="$work/other-var"
if "$PY" manage.py shell -v 0 -c '
from casework.models import Worker
w = Worker.objects.exclude(id_number="").order_by("pk").first()
print(w.id_number)' >"$work/other-keys.log" 2>&1; then
    echo "FAILED: the ID numbers were readable with a different field key" >&2
    exit 1
fi
grep -q "cannot be decrypted with the configured keys" "$work/other-keys.log"
echo "as expected: with other keys the encrypted fields do not decrypt"

dropdb "${pg[@]}" --force "$RESTORED_DB"
echo "backup and restore: ok"
