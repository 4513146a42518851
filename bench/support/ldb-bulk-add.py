# Bulk-loads an LDIF file straight into a DC's sam.ldb (what `ldbadd -H sam.ldb` does; ldb-tools is
# not installed here, Samba's Python bindings are). The Samba module stack still runs, so every
# object gets its objectGUID, SID, uSNs and linked-attribute handling as over LDAP, without the LDAP
# and TLS cost per entry. Safe while the DC runs (ldb locks), as `samba-tool user add` is locally.
# usage: /usr/bin/python3 ldb-bulk-add.py <smb.conf> <sam.ldb> <file.ldif> [batch]
import sys
import time
from samba import param
from samba.auth import system_session
from samba.samdb import SamDB

smb_conf, sam_ldb, ldif_file = sys.argv[1:4]
batch = int(sys.argv[4]) if len(sys.argv) > 4 else 2000
lp = param.LoadParm()
lp.load(smb_conf)
db = SamDB(url=sam_ldb, session_info=system_session(), lp=lp)
with open(ldif_file, encoding='utf-8') as f:
    records = f.read().split('\n\n')
start = time.time()
done = 0
for i in range(0, len(records), batch):
    db.transaction_start()
    try:
        for rec in records[i:i + batch]:
            if rec.strip():
                for _, msg in db.parse_ldif(rec + '\n'):
                    db.add(msg)
                    done += 1
        db.transaction_commit()
    except Exception:
        db.transaction_cancel()
        raise
    print('%d added (%.0f/s)' % (done, done / max(0.001, time.time() - start)), flush=True)
