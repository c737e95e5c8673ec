#!/bin/bash
# setup-openstack.sh - stand up a minimal REAL OpenStack (Zed, Debian 12 packages) on loopback
# for integration tests: Keystone, Glance(file), Placement, Nova(fake virt driver),
# Neutron(ML2 'test' mech driver, no agents), Cinder(file-backed CI driver).
#
# Usage:  setup-openstack.sh [install|start|demo|stop|reset|status|all]   (default: all = install+start)
#   install : apt-get install the packages (services are NOT auto-started: policy-rc.d=101)
#   start   : configure + start everything, bootstrap catalog, create flavor m1.small, network
#             'private' (10.0.0.0/24) and 8 MiB raw image 'cirros-fake'
#   demo    : create servers vm-eph (image-backed + data volume 'data1') and vm-bfv (boot-from-volume)
#             in project admin, and vm-user (+ volume 'udata') as non-admin user importer@acme,
#             project imports (credentials: $OSCI_DIR/importer-openrc)
#   stop    : stop every process this script started (by recorded PID / process group)
#   reset   : stop + drop the OpenStack databases and wipe images/volumes (next start = fresh cloud)
# Everything listens on 127.0.0.1 only.  Runtime state/logs in $OSCI_DIR (default /tmp/osci).
# Credentials: see $OSCI_DIR/admin-openrc (admin / secret, project admin, domain Default, RegionOne).
set -euo pipefail
OSCI_DIR=${OSCI_DIR:-/tmp/osci}
PW=${OSCI_PASSWORD:-secret}          # admin + service user password
DBPW=ospass
REGION=RegionOne
HOST_IP=127.0.0.1
NOVA_HOST=osci-compute               # nova-compute host name (= hypervisor / resource provider name)
PY=/usr/bin/python3                  # NOT a pyenv/venv python: the OpenStack libs are Debian dist-packages
HERE=$(cd "$(dirname "$0")" && pwd)
LOG=$OSCI_DIR/log; PID=$OSCI_DIR/pid; LIB=$OSCI_DIR/pylib
PKGS="keystone glance nova-api nova-conductor nova-scheduler placement-api cinder-api cinder-volume
      cinder-scheduler neutron-server python3-openstackclient rabbitmq-server mariadb-server"

ts() { date +%s.%N; }
T_START=$(ts)
say() { printf '[%6.1fs] %s\n' "$(echo "$(ts) - $T_START" | bc)" "$*"; }

do_install() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup-openstack.sh install: installing the OpenStack packages needs root; run it as root" >&2
    exit 1
  fi
  # prevent postinst from starting services (no systemd here anyway)
  [ -x /usr/sbin/policy-rc.d ] || { printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; }
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends $PKGS > "${OSCI_INSTALL_LOG:-/tmp/osci-apt.log}"
  say "packages installed"
  disable_autostart
}

# the packages register sysv + systemd units; make sure none of them autostarts on a (re)boot
AUTOSTART_UNITS="keystone glance-api placement-api nova-api nova-api-metadata nova-conductor nova-scheduler
  cinder-api cinder-scheduler cinder-volume neutron-api neutron-rpc-server rabbitmq-server epmd mariadb
  rtslib-fb-targetctl iscsid open-iscsi"
disable_autostart() {
  local u
  for u in $AUTOSTART_UNITS; do
    [ -e /etc/init.d/$u ] && update-rc.d -f $u disable >/dev/null 2>&1 || true
    systemctl disable $u.service >/dev/null 2>&1 || deb-systemd-helper disable $u.service >/dev/null 2>&1 || true
  done
}

# start NAME CMD... : run CMD detached in its own session; its PID (= session/process group id) goes to $PID/NAME.pid
start() {
  local name=$1; shift
  # the child records its own PID after setsid (setsid forks when the caller is a group leader)
  setsid bash -c 'echo $$ > "$0"; exec "$@"' "$PID/$name.pid" "$@" > "$LOG/$name.out" 2>&1 < /dev/null &
}
wait_http() { # url [timeout]
  local i
  for i in $(seq 1 $(( ${2:-120} * 2 ))); do
    curl -s -o /dev/null --max-time 2 "$1" && return 0; sleep 0.5
  done
  echo "TIMEOUT waiting for $1" >&2; return 1
}

authtoken() { # user
cat <<EOF
[keystone_authtoken]
www_authenticate_uri = http://$HOST_IP:5000
auth_url = http://$HOST_IP:5000
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = service
username = $1
password = $PW
service_token_roles_required = true
EOF
}
svcauth() { # section user
cat <<EOF
[$1]
auth_type = password
auth_url = http://$HOST_IP:5000
project_domain_name = Default
user_domain_name = Default
project_name = service
username = $2
password = $PW
region_name = $REGION
EOF
}

write_configs() {
  local RABBIT="rabbit://guest:guest@$HOST_IP:5672/"
  local DB="mysql+pymysql://os:$DBPW@$HOST_IP"
  mkdir -p "$OSCI_DIR/orig"
  for d in keystone glance nova placement cinder neutron; do
    [ -d "$OSCI_DIR/orig/$d" ] || cp -a /etc/$d "$OSCI_DIR/orig/$d"
  done
  mkdir -p "$OSCI_DIR/lock" "$OSCI_DIR/glance-images" "$OSCI_DIR/cinder-vols" "$OSCI_DIR/nova-state/instances"

  cat > /etc/keystone/keystone.conf <<EOF
[DEFAULT]
log_dir = $LOG
log_file = keystone.log
[database]
connection = $DB/keystone
[token]
provider = fernet
[identity]
# bcrypt cost 4 instead of 12: ~0.5s -> ~5ms per password auth (fine for CI)
password_hash_rounds = 4
caching = false
[cache]
# without a cache every token validation costs ~0.7 s on this 2-core box; with it ~10 ms.
# The memory backend is per process and Keystone runs two: an entity one process caches is not
# invalidated in the other. A catalog cached while the bootstrap was still adding services was
# served for up to 10 minutes without the volumev3 endpoints ("public endpoint for volumev3
# service in RegionOne region not found"). So only tokens are cached; the catalog, assignments,
# projects, roles and users are read from the database every time.
enabled = true
backend = dogpile.cache.memory
[catalog]
caching = false
[assignment]
caching = false
[resource]
caching = false
[role]
caching = false
EOF

  cat > /etc/glance/glance-api.conf <<EOF
[DEFAULT]
bind_host = $HOST_IP
bind_port = 9292
workers = 1
log_dir = $LOG
log_file = $LOG/glance-api.log
enabled_backends = file:file
show_image_direct_url = false
[database]
connection = $DB/glance
[glance_store]
default_backend = file
[file]
filesystem_store_datadir = $OSCI_DIR/glance-images
$(authtoken glance)
[paste_deploy]
flavor = keystone
[oslo_concurrency]
lock_path = $OSCI_DIR/lock
EOF

  cat > /etc/placement/placement.conf <<EOF
[DEFAULT]
log_dir = $LOG
log_file = placement.log
[api]
auth_strategy = keystone
[placement_database]
connection = $DB/placement
$(authtoken placement)
EOF

  cat > /etc/nova/nova.conf <<EOF
[DEFAULT]
host = $NOVA_HOST
my_ip = $HOST_IP
my_block_storage_ip = $HOST_IP
state_path = $OSCI_DIR/nova-state
instances_path = $OSCI_DIR/nova-state/instances
compute_driver = osci_fakevirt.UploadingFakeDriver
transport_url = $RABBIT
log_dir = $LOG
enabled_apis = osapi_compute
osapi_compute_listen = $HOST_IP
osapi_compute_listen_port = 8774
osapi_compute_workers = 1
# nova-compute must not be refused because of disk/ram ratios
ram_allocation_ratio = 1.0
[api]
auth_strategy = keystone
[api_database]
connection = $DB/nova_api
[database]
connection = $DB/nova
[conductor]
workers = 1
[scheduler]
workers = 1
discover_hosts_in_cells_interval = -1
[filter_scheduler]
enabled_filters = ComputeFilter,ComputeCapabilitiesFilter,ImagePropertiesFilter
$(authtoken nova)
$(svcauth placement placement)
$(svcauth neutron neutron)
$(svcauth service_user nova)
send_service_user_token = true
[cinder]
os_region_name = $REGION
auth_type = password
auth_url = http://$HOST_IP:5000
project_domain_name = Default
user_domain_name = Default
project_name = service
username = cinder
password = $PW
[glance]
region_name = $REGION
[oslo_concurrency]
lock_path = $OSCI_DIR/lock
[vnc]
enabled = false
[oslo_messaging_notifications]
driver = noop
EOF

  cat > /etc/neutron/neutron.conf <<EOF
[DEFAULT]
bind_host = $HOST_IP
bind_port = 9696
core_plugin = ml2
# segments: ports get ip_allocation, so Nova accepts an unaddressed port (fixed_ips: [])
service_plugins = segments
auth_strategy = keystone
transport_url = $RABBIT
notify_nova_on_port_status_changes = true
notify_nova_on_port_data_changes = true
api_workers = 1
rpc_workers = 1
rpc_state_report_workers = 1
log_dir = $LOG
log_file = neutron-server.log
[database]
connection = $DB/neutron
$(authtoken neutron)
$(svcauth nova nova)
[oslo_concurrency]
lock_path = $OSCI_DIR/lock
[agent]
root_helper = sudo
[oslo_messaging_notifications]
driver = noop
EOF
  mkdir -p /etc/neutron/plugins/ml2
  cat > /etc/neutron/plugins/ml2/ml2_conf.ini <<EOF
[ml2]
type_drivers = flat,local,vlan
tenant_network_types = local
# osci_bindall = $LIB/osci_mech.py: binds every port (vif_type=ovs, ACTIVE) -> no L2 agent needed
mechanism_drivers = osci_bindall
extension_drivers = port_security
[ml2_type_flat]
flat_networks = *
[securitygroup]
enable_security_group = true
firewall_driver = noop
EOF

  cat > /etc/cinder/cinder.conf <<EOF
[DEFAULT]
my_ip = $HOST_IP
host = osci
osapi_volume_listen = $HOST_IP
osapi_volume_listen_port = 8776
osapi_volume_workers = 1
auth_strategy = keystone
transport_url = $RABBIT
log_dir = $LOG
state_path = $OSCI_DIR/cinder-state
enabled_backends = file
default_volume_type = __DEFAULT__
glance_api_servers = http://$HOST_IP:9292
image_conversion_dir = $OSCI_DIR/cinder-state/conversion
[file]
volume_driver = osci_filedriver.FileVolumeDriver
volume_backend_name = file
file_volume_dir = $OSCI_DIR/cinder-vols
[database]
connection = $DB/cinder
$(authtoken cinder)
$(svcauth nova nova)
$(svcauth service_user cinder)
send_service_user_token = true
[oslo_concurrency]
lock_path = $OSCI_DIR/lock
[oslo_messaging_notifications]
driver = noop
EOF
}

write_pylib() {
  mkdir -p "$LIB"
  extract_pylib   # the three helper modules are embedded at the end of this script
  # entry point so ML2 (stevedore) finds mechanism driver 'osci_bindall' when $LIB is on PYTHONPATH
  mkdir -p "$LIB/osci_mech-1.0.dist-info"
  printf 'Metadata-Version: 2.1\nName: osci-mech\nVersion: 1.0\n' > "$LIB/osci_mech-1.0.dist-info/METADATA"
  printf '[neutron.ml2.mechanism_drivers]\nosci_bindall = osci_mech:BindAllMechanismDriver\n' > "$LIB/osci_mech-1.0.dist-info/entry_points.txt"
  # nova only loads compute drivers from the nova.virt package ('nova.virt.' + compute_driver),
  # so this launcher appends $LIB to nova.virt.__path__ before running the normal nova-compute main()
  cat > "$LIB/nova-compute" <<EOF
#!$PY
import sys
from nova.cmd import compute        # does the eventlet monkey patching
import nova.virt
nova.virt.__path__.append('$LIB')
sys.exit(compute.main())
EOF
  chmod +x "$LIB/nova-compute"
}

start_infra() {
  say "starting mariadb + rabbitmq"
  mkdir -p /run/mysqld; chown mysql /run/mysqld
  start mariadb /usr/sbin/mariadbd --user=mysql --bind-address=$HOST_IP --port=3306 \
      --socket=/run/mysqld/mysqld.sock --max-connections=1000 --innodb-flush-log-at-trx-commit=0 \
      --innodb-doublewrite=0 --skip-log-bin
  local i
  for i in $(seq 1 120); do mysqladmin --socket=/run/mysqld/mysqld.sock ping >/dev/null 2>&1 && break; sleep 0.5; done
  mysql --socket=/run/mysqld/mysqld.sock -uroot <<EOF
CREATE USER IF NOT EXISTS 'os'@'127.0.0.1' IDENTIFIED BY '$DBPW';
GRANT ALL PRIVILEGES ON *.* TO 'os'@'127.0.0.1';
CREATE DATABASE IF NOT EXISTS keystone; CREATE DATABASE IF NOT EXISTS glance; CREATE DATABASE IF NOT EXISTS placement;
CREATE DATABASE IF NOT EXISTS nova_api; CREATE DATABASE IF NOT EXISTS nova; CREATE DATABASE IF NOT EXISTS nova_cell0;
CREATE DATABASE IF NOT EXISTS cinder; CREATE DATABASE IF NOT EXISTS neutron;
FLUSH PRIVILEGES;
EOF
  # rabbitmq: loopback only (AMQP, epmd and erlang distribution port)
  start rabbitmq su rabbitmq -s /bin/sh -c "cd /var/lib/rabbitmq && \
      RABBITMQ_NODE_IP_ADDRESS=$HOST_IP ERL_EPMD_ADDRESS=$HOST_IP RABBITMQ_NODENAME=rabbit@localhost \
      RABBITMQ_DIST_PORT=25672 RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS='-kernel inet_dist_use_interface {127,0,0,1}' \
      exec /usr/lib/rabbitmq/bin/rabbitmq-server"
  for i in $(seq 1 120); do rabbitmqctl -q -n rabbit@localhost await_startup >/dev/null 2>&1 && break; sleep 1; done
  say "mariadb + rabbitmq up"
}

db_sync_all() {
  # keystone first (needed by everyone); the other syncs run in parallel
  keystone-manage db_sync
  keystone-manage fernet_setup --keystone-user keystone --keystone-group keystone
  keystone-manage credential_setup --keystone-user keystone --keystone-group keystone
  keystone-manage bootstrap --bootstrap-password "$PW" --bootstrap-username admin \
      --bootstrap-project-name admin --bootstrap-role-name admin --bootstrap-service-name keystone \
      --bootstrap-admin-url http://$HOST_IP:5000/v3/ --bootstrap-internal-url http://$HOST_IP:5000/v3/ \
      --bootstrap-public-url http://$HOST_IP:5000/v3/ --bootstrap-region-id $REGION
  say "keystone db ready"
  ( glance-manage db_sync > "$LOG/sync-glance.log" 2>&1 ) &
  local p1=$!
  ( placement-manage db sync > "$LOG/sync-placement.log" 2>&1 ) &
  local p2=$!
  ( cinder-manage db sync > "$LOG/sync-cinder.log" 2>&1 ) &
  local p3=$!
  ( neutron-db-manage --config-file /etc/neutron/neutron.conf --config-file /etc/neutron/plugins/ml2/ml2_conf.ini \
        upgrade heads > "$LOG/sync-neutron.log" 2>&1 ) &
  local p4=$!
  ( nova-manage api_db sync && nova-manage cell_v2 map_cell0 &&
    (nova-manage cell_v2 list_cells | grep -q ' cell1 ' || nova-manage cell_v2 create_cell --name=cell1) &&
    nova-manage db sync ) > "$LOG/sync-nova.log" 2>&1 &
  local p5=$!
  local rc=0 p
  for p in $p1 $p2 $p3 $p4 $p5; do wait $p || rc=1; done
  [ $rc = 0 ] || { echo "a db sync failed, see $LOG/sync-*.log" >&2; exit 1; }
  say "all db syncs done"
}

start_services() {
  start keystone /usr/bin/uwsgi_python3 --http-socket $HOST_IP:5000 --wsgi-file /usr/bin/keystone-wsgi-public \
      --master --processes 2 --threads 4 --die-on-term --lazy-apps --enable-threads --buffer-size 65535 --add-header "Connection: close"
  # same Keystone also on https://127.0.0.1:5001 with a throw-away CA ($OSCI_DIR/tls/ca.crt),
  # to exercise the client's "custom CA certificate" code path (catalog endpoints stay http)
  make_tls
  start keystone-tls /usr/bin/uwsgi_python3 --https-socket $HOST_IP:5001,$OSCI_DIR/tls/server.crt,$OSCI_DIR/tls/server.key \
      --wsgi-file /usr/bin/keystone-wsgi-public --master --processes 1 --threads 4 --die-on-term --lazy-apps \
      --enable-threads --buffer-size 65535 --add-header "Connection: close"
  wait_http http://$HOST_IP:5000/v3
  say "keystone up"
  bootstrap_catalog
  start glance-api glance-api --config-file /etc/glance/glance-api.conf
  start placement /usr/bin/uwsgi_python3 --http-socket $HOST_IP:8778 --wsgi-file /usr/bin/placement-api \
      --master --processes 1 --threads 4 --die-on-term --lazy-apps --enable-threads --buffer-size 65535 --add-header "Connection: close"
  start neutron-server env PYTHONPATH=$LIB neutron-server --config-file /etc/neutron/neutron.conf --config-file /etc/neutron/plugins/ml2/ml2_conf.ini
  start nova-api nova-api --config-file /etc/nova/nova.conf
  start nova-conductor nova-conductor --config-file /etc/nova/nova.conf
  start nova-scheduler nova-scheduler --config-file /etc/nova/nova.conf
  start nova-compute "$LIB/nova-compute" --config-file /etc/nova/nova.conf
  start cinder-api cinder-api --config-file /etc/cinder/cinder.conf
  start cinder-scheduler cinder-scheduler --config-file /etc/cinder/cinder.conf
  start cinder-volume env PYTHONPATH=$LIB cinder-volume --config-file /etc/cinder/cinder.conf
  wait_http http://$HOST_IP:9292/ ; say "glance up"
  wait_http http://$HOST_IP:8778/ ; say "placement up"
  wait_http http://$HOST_IP:9696/ ; say "neutron up"
  wait_http http://$HOST_IP:8774/ ; say "nova-api up"
  wait_http http://$HOST_IP:8776/ ; say "cinder-api up"
}

make_tls() {
  local d=$OSCI_DIR/tls
  [ -s "$d/server.crt" ] && return 0
  mkdir -p "$d"
  openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=osci-test-ca" -keyout "$d/ca.key" -out "$d/ca.crt" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$d/server.key" -out "$d/server.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' > "$d/ext.cnf"
  openssl x509 -req -in "$d/server.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial -days 30 \
      -extfile "$d/ext.cnf" -out "$d/server.crt" 2>/dev/null
}

bootstrap_catalog() {
  # one python process instead of ~40 'openstack' CLI calls (~1s each)
  OS_PW=$PW $PY - <<'EOF'
import os
from keystoneauth1.identity import v3
from keystoneauth1 import session
from keystoneclient.v3 import client
pw = os.environ['OS_PW']
ks = client.Client(session=session.Session(auth=v3.Password(
    auth_url='http://127.0.0.1:5000/v3', username='admin', password=pw, project_name='admin',
    user_domain_name='Default', project_domain_name='Default')))
def one(lst): return lst[0] if lst else None
dom = ks.domains.get('default')
svc_proj = one(ks.projects.list(name='service')) or ks.projects.create('service', dom)
admin = one(ks.roles.list(name='admin'))
service_role = one(ks.roles.list(name='service')) or ks.roles.create('service')
for r in ('member', 'reader'):
    one(ks.roles.list(name=r)) or ks.roles.create(r)
services = [  # user, service name, type, url
    ('glance', 'glance', 'image', 'http://127.0.0.1:9292'),
    ('placement', 'placement', 'placement', 'http://127.0.0.1:8778'),
    ('nova', 'nova', 'compute', 'http://127.0.0.1:8774/v2.1'),
    ('neutron', 'neutron', 'network', 'http://127.0.0.1:9696'),
    ('cinder', 'cinderv3', 'volumev3', 'http://127.0.0.1:8776/v3/%(project_id)s'),
    ('cinder', 'cinder', 'block-storage', 'http://127.0.0.1:8776/v3/%(project_id)s'),
]
for user, name, stype, url in services:
    u = one(ks.users.list(name=user)) or ks.users.create(user, domain=dom, password=pw)
    ks.roles.grant(admin, user=u, project=svc_proj)
    ks.roles.grant(service_role, user=u, project=svc_proj)
    s = one(ks.services.list(name=name)) or ks.services.create(name, type=stype)
    # per interface: a database left by an earlier, interrupted run may hold only some of them
    have = {(e.interface, e.region) for e in ks.endpoints.list(service=s)}
    for iface in ('public', 'internal', 'admin'):
        if (iface, 'RegionOne') not in have:
            ks.endpoints.create(s, url, interface=iface, region='RegionOne')
print('catalog ok')
EOF
  cat > "$OSCI_DIR/admin-openrc" <<EOF
export OS_AUTH_URL=http://$HOST_IP:5000/v3
export OS_USERNAME=admin
export OS_PASSWORD=$PW
export OS_PROJECT_NAME=admin
export OS_USER_DOMAIN_NAME=Default
export OS_PROJECT_DOMAIN_NAME=Default
export OS_REGION_NAME=$REGION
export OS_IDENTITY_API_VERSION=3
export OS_VOLUME_API_VERSION=3
EOF
  say "catalog bootstrapped"
}

# The status of a volume once it is usable or in error (or whatever it is after timeout_s).
settled_volume_status() { # name timeout_s
  local n status=
  for n in $(seq 1 "$2"); do
    status=$(openstack volume show "$1" -f value -c status 2>/dev/null || true)
    case "$status" in available|in-use|error*) break ;; esac
    sleep 1
  done
  echo "$status"
}

# cinder-volume reports "up" before the scheduler has its capabilities (sent about once a minute);
# a volume requested in between ends in "error" (No weighed backend found). Probe until one works.
await_volume_scheduling() {
  local i status
  for i in $(seq 1 12); do
    openstack volume create --size 1 "osci-probe-$i" >/dev/null 2>&1
    status=$(settled_volume_status "osci-probe-$i" 30)
    openstack volume delete "osci-probe-$i" >/dev/null 2>&1
    if [ "$status" = available ]; then say "cinder scheduler places volumes"; return 0; fi
    sleep 10
  done
  echo "TIMEOUT waiting for the cinder scheduler to place a volume; logs in $LOG" >&2; exit 1
}

poll() { # description timeout_s command... : retry command until it succeeds
  local what=$1 t=$2 i; shift 2
  for i in $(seq 1 "$t"); do "$@" >/dev/null 2>&1 && return 0; sleep 1; done
  echo "TIMEOUT ($t s) waiting for $what; logs in $LOG" >&2; exit 1
}
wait_compute() {
  . "$OSCI_DIR/admin-openrc"
  poll "nova-compute service" 120 sh -c "openstack compute service list --service nova-compute -f value -c State | grep -q up"
  nova-manage cell_v2 discover_hosts --verbose > "$LOG/discover-hosts.log" 2>&1
  poll "hypervisor $NOVA_HOST" 60 sh -c "openstack hypervisor list -f value -c 'Hypervisor Hostname' -c State | grep -q '$NOVA_HOST up'"
  poll "cinder-volume service" 120 sh -c "openstack volume service list -f value -c Binary -c State | grep -q 'cinder-volume up'"
  await_volume_scheduling
  say "nova-compute + cinder-volume registered"
}

demo_resources() {
  . "$OSCI_DIR/admin-openrc"
  openstack flavor show m1.small >/dev/null 2>&1 || openstack flavor create --vcpus 2 --ram 2048 --disk 1 m1.small >/dev/null
  if ! openstack network show private >/dev/null 2>&1; then
    openstack network create --share --provider-network-type flat --provider-physical-network physnet1 private >/dev/null
    openstack subnet create --network private --subnet-range 10.0.0.0/24 private-subnet >/dev/null
  fi
  if ! openstack image show cirros-fake >/dev/null 2>&1; then
    # 8 MiB raw "disk" with a recognisable header
    { printf 'osci-fake-base-image\n'; head -c $((8*1024*1024 - 21)) /dev/zero; } > "$OSCI_DIR/base.raw"
    openstack image create --disk-format raw --container-format bare --public --file "$OSCI_DIR/base.raw" cirros-fake >/dev/null
  fi
  say "flavor/network/image created"
}

# A demo volume that is usable (available or in-use): created from the image when missing, and
# deleted and created again when an earlier start left it in "error" (state survives stop/start).
demo_volume() { # name (in the project of the sourced openrc)
  local name=$1 attempt status
  for attempt in 1 2 3; do
    status=$(openstack volume show "$name" -f value -c status 2>/dev/null || true)
    case "$status" in
      available|in-use) return 0 ;;
      error*) say "volume $name is in $status: deleting it and creating it again"
              openstack volume delete --force "$name" >/dev/null
              poll "volume $name deleted" 60 sh -c "! openstack volume show '$name' >/dev/null 2>&1"
              status= ;;
    esac
    [ -n "$status" ] || openstack volume create --size 1 --image cirros-fake "$name" >/dev/null
    status=$(settled_volume_status "$name" 120)
    case "$status" in available|in-use) return 0 ;; esac
  done
  echo "volume $name is not usable (status '$status'); logs in $LOG" >&2; exit 1
}

# A demo server that is ACTIVE: created when missing, created again when an earlier start left it
# in ERROR.
demo_server() { # name create-args...
  local name=$1 status; shift
  status=$(openstack server show "$name" -f value -c status 2>/dev/null || true)
  if [ "$status" = ERROR ]; then
    say "server $name is in ERROR: deleting it and creating it again"
    openstack server delete --wait "$name" >/dev/null
    status=
  fi
  [ -n "$status" ] || openstack server create "$@" --wait "$name" >/dev/null
}

demo_servers() {
  # vm-eph : image-backed server + 1 attached data volume (created from the image)
  # vm-bfv : boot-from-volume server (root volume created from the image)
  . "$OSCI_DIR/admin-openrc"
  demo_server vm-eph --flavor m1.small --image cirros-fake --network private
  demo_volume data1
  # idempotent (the project's ITs run 'demo' after every 'start'): attach only when not attached yet
  openstack volume show data1 -f value -c status | grep -qx in-use || openstack server add volume vm-eph data1
  demo_server vm-bfv --flavor m1.small --image cirros-fake --boot-from-volume 1 --network private
  poll "volume data1 in-use" 60 sh -c "openstack volume show data1 -f value -c status | grep -qx in-use"
  # non-admin user in a non-default domain: domain acme / project imports / user importer (member)
  openstack domain show acme >/dev/null 2>&1 || openstack domain create acme >/dev/null
  openstack project show --domain acme imports >/dev/null 2>&1 || openstack project create --domain acme imports >/dev/null
  openstack user show --domain acme importer >/dev/null 2>&1 || \
    openstack user create --domain acme --password "$PW" importer >/dev/null
  openstack role add --project imports --project-domain acme --user importer --user-domain acme member
  cat > "$OSCI_DIR/importer-openrc" <<EOF
export OS_AUTH_URL=http://$HOST_IP:5000/v3
export OS_USERNAME=importer
export OS_PASSWORD=$PW
export OS_PROJECT_NAME=imports
export OS_USER_DOMAIN_NAME=acme
export OS_PROJECT_DOMAIN_NAME=acme
export OS_REGION_NAME=$REGION
export OS_IDENTITY_API_VERSION=3
export OS_VOLUME_API_VERSION=3
EOF
  ( . "$OSCI_DIR/importer-openrc"
    demo_server vm-user --flavor m1.small --image cirros-fake --network private
    demo_volume udata
    openstack volume show udata -f value -c status | grep -qx in-use || openstack server add volume vm-user udata )
  openstack server list --all-projects
  say "demo servers created"
}

do_start() {
  mkdir -p "$LOG" "$PID" "$LIB"
  write_pylib
  write_configs
  start_infra
  db_sync_all
  start_services
  wait_compute
  demo_resources
  say "OpenStack ready.  source $OSCI_DIR/admin-openrc"
}

do_stop() {
  local f p n pgids=""
  for f in "$PID"/*.pid; do
    [ -e "$f" ] || continue
    case $(basename "$f") in
      mariadb.pid)  mysqladmin --socket=/run/mysqld/mysqld.sock shutdown 2>/dev/null || true ;;
      rabbitmq.pid) rabbitmqctl -q -n rabbit@localhost stop 2>/dev/null || true ;;
    esac
    p=$(cat "$f")
    # each service was started with setsid -> its PID is also its process group id
    kill -TERM -- "-$p" 2>/dev/null || true
    pgids="$pgids $p"
  done
  for n in $(seq 1 20); do   # uwsgi workers sometimes ignore TERM: escalate after 10 s
    local alive=""
    for p in $pgids; do kill -0 -- "-$p" 2>/dev/null && alive="$alive $p"; done
    [ -z "$alive" ] && break
    [ "$n" = 20 ] && for p in $alive; do kill -KILL -- "-$p" 2>/dev/null || true; done
    sleep 0.5
  done
  rm -f "$PID"/*.pid
  epmd -kill >/dev/null 2>&1 || true   # epmd daemonised itself when rabbitmq started
  say "stopped"
}

do_reset() {  # drop the OpenStack databases, stop everything, wipe images/volumes -> next 'start' = fresh cloud
  mkdir -p "$LOG" "$PID"
  if ! mysqladmin --socket=/run/mysqld/mysqld.sock ping >/dev/null 2>&1; then
    mkdir -p /run/mysqld; chown mysql /run/mysqld
    start mariadb /usr/sbin/mariadbd --user=mysql --bind-address=$HOST_IP --port=3306 --socket=/run/mysqld/mysqld.sock
    poll "mariadb" 60 mysqladmin --socket=/run/mysqld/mysqld.sock ping
  fi
  local d
  for d in keystone glance placement nova_api nova nova_cell0 cinder neutron; do
    mysql --socket=/run/mysqld/mysqld.sock -uroot -e "DROP DATABASE IF EXISTS $d"
  done
  do_stop
  rm -rf "$OSCI_DIR"/{glance-images,cinder-vols,cinder-state,nova-state,base.raw,pylib}
  say "reset done"
}

do_status() {
  local f
  for f in "$PID"/*.pid; do
    [ -e "$f" ] || continue
    if kill -0 "$(cat "$f")" 2>/dev/null; then echo "$(basename "$f" .pid): running (pgid $(cat "$f"))";
    else echo "$(basename "$f" .pid): DEAD"; fi
  done
}

extract_pylib() {
  cat > "$LIB/osci_filedriver.py" <<'OSCI_PY_EOF'
"""Tiny file-backed Cinder volume driver for CI (no LVM/iSCSI/NFS needed).

Volumes and snapshots are sparse raw files in a directory.  Supports
create/delete/extend, snapshots (full sparse copy), volume-from-snapshot,
clone, image->volume, volume->image (os-volume_upload_image), and
"attach" via the os-brick 'local' connector type (good enough for the
Nova fake virt driver, which never opens the device).
"""
import os
import shutil
import subprocess

from oslo_config import cfg
from oslo_log import log as logging

from cinder.image import image_utils
from cinder.volume import driver
from cinder.volume import volume_utils

LOG = logging.getLogger(__name__)
opts = [cfg.StrOpt('file_volume_dir', default='/var/lib/cinder/filevols',
                   help='Directory holding volume/snapshot files')]
cfg.CONF.register_opts(opts, group='backend_defaults')


class FileVolumeDriver(driver.VolumeDriver):
    VERSION = '1.0.0'

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.configuration:
            self.configuration.append_config_values(opts)
        self.backend_name = (self.configuration.safe_get('volume_backend_name')
                             or 'file')

    # -- helpers ---------------------------------------------------------
    @property
    def _dir(self):
        return self.configuration.safe_get('file_volume_dir') or '/var/lib/cinder/filevols'

    def local_path(self, volume):
        return os.path.join(self._dir, 'volume-%s' % volume['id'])

    def _snap_path(self, snapshot):
        return os.path.join(self._dir, 'snapshot-%s' % snapshot['id'])

    @staticmethod
    def _copy(src, dst, size_gb=None):
        subprocess.check_call(['cp', '--sparse=always', src, dst])
        if size_gb:
            os.truncate(dst, max(os.path.getsize(dst), int(size_gb) * 1024 ** 3))

    # -- driver API ------------------------------------------------------
    def do_setup(self, context):
        os.makedirs(self._dir, exist_ok=True)

    def check_for_setup_error(self):
        if not os.access(self._dir, os.W_OK):
            raise RuntimeError('%s not writable' % self._dir)

    def create_volume(self, volume):
        with open(self.local_path(volume), 'wb') as f:
            f.truncate(int(volume['size']) * 1024 ** 3)
        return {}

    def delete_volume(self, volume):
        try:
            os.unlink(self.local_path(volume))
        except FileNotFoundError:
            pass

    def extend_volume(self, volume, new_size):
        os.truncate(self.local_path(volume), int(new_size) * 1024 ** 3)

    def create_snapshot(self, snapshot):
        self._copy(self.local_path(snapshot.volume), self._snap_path(snapshot))

    def delete_snapshot(self, snapshot):
        try:
            os.unlink(self._snap_path(snapshot))
        except FileNotFoundError:
            pass

    def create_volume_from_snapshot(self, volume, snapshot):
        self._copy(self._snap_path(snapshot), self.local_path(volume), volume['size'])
        return {}

    def create_cloned_volume(self, volume, src_vref):
        self._copy(self.local_path(src_vref), self.local_path(volume), volume['size'])
        return {}

    def copy_image_to_volume(self, context, volume, image_service, image_id):
        image_utils.fetch_to_raw(context, image_service, image_id,
                                 self.local_path(volume),
                                 self.configuration.volume_dd_blocksize,
                                 size=volume['size'])
        # qemu-img convert leaves the file at the image's virtual size; a real
        # block device would have the full volume size
        path = self.local_path(volume)
        os.truncate(path, max(os.path.getsize(path), int(volume['size']) * 1024 ** 3))

    def copy_volume_to_image(self, context, volume, image_service, image_meta):
        volume_utils.upload_volume(context, image_service, image_meta,
                                   self.local_path(volume), volume)

    def create_export(self, context, volume, connector):
        return None

    def ensure_export(self, context, volume):
        return None

    def remove_export(self, context, volume):
        return None

    def initialize_connection(self, volume, connector):
        return {'driver_volume_type': 'local',
                'data': {'device_path': self.local_path(volume),
                         'access_mode': 'rw'}}

    def terminate_connection(self, volume, connector, **kwargs):
        return None

    def _update_volume_stats(self):
        st = os.statvfs(self._dir)
        total = st.f_frsize * st.f_blocks / 1024 ** 3
        free = st.f_frsize * st.f_bavail / 1024 ** 3
        self._stats = {
            'volume_backend_name': self.backend_name,
            'vendor_name': 'osci', 'driver_version': self.VERSION,
            'storage_protocol': 'local',
            'total_capacity_gb': round(total, 2),
            'free_capacity_gb': round(free, 2),
            'reserved_percentage': 0,
            'thin_provisioning_support': True,
            'max_over_subscription_ratio': 20.0,
            'multiattach': True,
        }

    def get_volume_stats(self, refresh=False):
        if refresh or not self._stats:
            self._update_volume_stats()
        return self._stats
OSCI_PY_EOF
  cat > "$LIB/osci_fakevirt.py" <<'OSCI_PY_EOF'
"""Nova fake virt driver that also uploads (fake) data on createImage.

nova.virt.fake.FakeDriver.snapshot() never uploads image data, so the Glance
image created by POST /servers/{id}/action {"createImage": ...} would stay
'queued' forever.  This subclass uploads a small deterministic payload so the
image goes 'active' and can be downloaded.
"""
import io

from nova.compute import power_state
from nova.compute import task_states
from nova.image import glance
from nova.virt import fake

SNAPSHOT_BYTES = 4 * 1024 * 1024  # 4 MiB fake disk


class UploadingFakeDriver(fake.FakeDriver):
    # FakeDriver knows only the servers it spawned since nova-compute started, while the database
    # keeps them across a stop/start of the cloud: adopt a server it lost instead of answering
    # "instance not found" to a start or stop.
    def _adopt(self, instance, state):
        if instance.uuid not in self.instances:
            self.instances[instance.uuid] = fake.FakeInstance(instance.name, state, instance.uuid)

    def power_off(self, instance, timeout=0, retry_interval=0):
        self._adopt(instance, power_state.RUNNING)
        super().power_off(instance, timeout, retry_interval)

    def power_on(self, context, instance, network_info, block_device_info=None, accel_info=None):
        self._adopt(instance, power_state.SHUTDOWN)
        super().power_on(context, instance, network_info, block_device_info, accel_info)

    def snapshot(self, context, instance, image_id, update_task_state):
        super().snapshot(context, instance, image_id, update_task_state)
        header = ('osci-fake-snapshot instance=%s\n' % instance.uuid).encode()
        payload = header + b'\0' * (SNAPSHOT_BYTES - len(header))
        glance.API().update(context, image_id,
                            {'disk_format': 'raw', 'container_format': 'bare'},
                            io.BytesIO(payload), purge_props=False)
OSCI_PY_EOF
  cat > "$LIB/osci_mech.py" <<'OSCI_PY_EOF'
"""ML2 mechanism driver for CI: binds every port on any host, no L2 agent.

Ports get binding:vif_type=ovs and status ACTIVE, so Nova (fake virt driver)
can boot servers with real Neutron ports / MAC addresses / fixed IPs.
Registered as entry point neutron.ml2.mechanism_drivers:osci_bindall via
osci_mech-1.0.dist-info next to this file (PYTHONPATH must include it).
"""
from neutron_lib.api.definitions import portbindings
from neutron_lib import constants
from neutron_lib.plugins.ml2 import api


class BindAllMechanismDriver(api.MechanismDriver):
    def initialize(self):
        pass

    @property
    def connectivity(self):
        return portbindings.CONNECTIVITY_L2

    def bind_port(self, context):
        for seg in context.segments_to_bind:
            context.set_binding(seg[api.ID], portbindings.VIF_TYPE_OVS,
                                {portbindings.CAP_PORT_FILTER: True,
                                 portbindings.OVS_HYBRID_PLUG: False},
                                status=constants.PORT_STATUS_ACTIVE)
            return
OSCI_PY_EOF
}

case "${1:-all}" in
  install) do_install ;;
  start)   do_start ;;
  demo)    demo_servers ;;
  stop)    do_stop ;;
  reset)   do_reset ;;
  status)  do_status ;;
  disable-autostart) disable_autostart ;;
  all)     do_install; do_start ;;
  *) echo "usage: $0 [install|start|demo|stop|reset|status|all]"; exit 2 ;;
esac
