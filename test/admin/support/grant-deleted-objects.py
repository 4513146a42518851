# Grants an account List Contents + Read Property on CN=Deleted Objects (what `dsacls <container>
# /takeownership` + `/G account:LCRP` does on Windows), so it can read tombstones for incremental sync.
# samba-tool dsacl cannot reach the container (it needs the show-deleted control), hence this script.
# usage: KRB5_CONFIG=… /usr/bin/python3 grant-deleted-objects.py ldap://dc REALM NETBIOS admin-password naming-context account-sid
import sys
import ldb
from samba import credentials, param
from samba.dcerpc import security
from samba.ndr import ndr_pack
from samba.samdb import SamDB

url, realm, netbios, password, nc, sid = sys.argv[1:7]
lp = param.LoadParm()
lp.set('realm', realm)
lp.set('workgroup', netbios)
creds = credentials.Credentials()
creds.guess(lp)
creds.set_username('Administrator')
creds.set_password(password)
creds.set_domain(netbios)
creds.set_realm(realm)
db = SamDB(url=url, credentials=creds, lp=lp)
dn = 'CN=Deleted Objects,' + nc
domain_sid = security.dom_sid(sid.rsplit('-', 1)[0])


def put(sddl, flags):
    m = ldb.Message()
    m.dn = ldb.Dn(db, dn)
    m['nTSecurityDescriptor'] = ldb.MessageElement(ndr_pack(security.descriptor.from_sddl(sddl, domain_sid)), ldb.FLAG_MOD_REPLACE, 'nTSecurityDescriptor')
    db.modify(m, controls=['show_deleted:1', 'sd_flags:1:%d' % flags])


put('O:BA', 1)  # take ownership first: not even Administrators may write this DACL otherwise
put('D:PAI(A;;RPWPCCDCLCRCWOWDSDSW;;;SY)(A;;RPLC;;;BA)(A;;LCRP;;;%s)' % sid, 4)
