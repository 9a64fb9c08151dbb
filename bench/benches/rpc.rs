//! RPC benchmarks: ours (thrift-rt) against Apache's `thrift` crate and a raw socket
//! ping-pong, binary protocol, for a small string and a 4 KiB binary.
//!
//! - `rpc/latency/{tcp,unix}/{buffered,framed}/{string,binary}/{implementation}`: one client,
//!   one call per iteration. `{tcp,unix}/raw/{payload}/floor` is the ping-pong of the same
//!   bytes (see `thrift_bench::raw`).
//! - `rpc/latency/{tcp,unix}/header/{string,binary}/ours`: ours over THeader (binary payload,
//!   one-port server), to set against `.../framed/.../ours`.
//! - `rpc/throughput/{socket}/{transport}/{payload}/{implementation}/t{1,4,16}`: 1, 4 or 16
//!   client threads, each with its own connection, against one server; reported per call.
//!
//! Implementations (see `thrift_bench::rpc::Implementation`): `ours`; `thrift`, Apache's
//! crate out of the box (`TServer`, no `TCP_NODELAY` anywhere); over TCP also
//! `thrift-nodelay` (its client with `TCP_NODELAY`, still `TServer`) and
//! `thrift-nodelay-both` (`TCP_NODELAY` on both sides: the crate's processor and transports
//! behind our accept loop). Run with
//! `cargo bench --manifest-path bench/Cargo.toml --bench rpc [-- FILTER]`.

use std::time::Duration;

use criterion::{Criterion, SamplingMode, Throughput};
use thrift_bench::pool::ClientPool;
use thrift_bench::rpc::{self, Caller, Implementation, OursServer};
use thrift_bench::{Endpoint, Payload, Socket, Transport, raw};

/// Client threads of the throughput benchmarks.
const THREADS: [usize; 3] = [1, 4, 16];

/// Every server, started once and shared by all benchmarks.
struct Servers {
    ours: Vec<(Socket, Transport, OursServer)>,
    thrift: Vec<(Socket, Transport, Endpoint)>,
    thrift_nodelay: Vec<(Transport, Endpoint)>,
    raw: Vec<(Socket, Payload, Endpoint)>,
}

impl Servers {
    fn start() -> Self {
        let mut servers = Self {
            ours: Vec::new(),
            thrift: Vec::new(),
            thrift_nodelay: Vec::new(),
            raw: Vec::new(),
        };
        for transport in Transport::ALL {
            let endpoint = rpc::start_thrift_nodelay_server(transport)
                .expect("start the thrift crate's processor with TCP_NODELAY");
            servers.thrift_nodelay.push((transport, endpoint));
        }
        for socket in Socket::ALL {
            for transport in Transport::ALL {
                let ours = OursServer::start(socket, transport).expect("start our server");
                servers.ours.push((socket, transport, ours));
                let thrift = rpc::start_thrift_server(socket, transport)
                    .expect("start the thrift crate's server");
                servers.thrift.push((socket, transport, thrift));
            }
            for payload in Payload::ALL {
                let floor = raw::start_server(socket, payload).expect("start the raw server");
                servers.raw.push((socket, payload, floor));
            }
        }
        servers
    }

    fn endpoint(&self, implementation: Implementation, socket: Socket, t: Transport) -> &Endpoint {
        let found = match implementation {
            Implementation::Ours => self
                .ours
                .iter()
                .find(|s| s.0 == socket && s.1 == t)
                .map(|s| s.2.endpoint()),
            Implementation::Thrift | Implementation::ThriftNodelay => self
                .thrift
                .iter()
                .find(|s| s.0 == socket && s.1 == t)
                .map(|s| &s.2),
            Implementation::ThriftNodelayBoth => self
                .thrift_nodelay
                .iter()
                .find(|s| socket == Socket::Tcp && s.0 == t)
                .map(|s| &s.1),
        };
        found.expect("every server is started")
    }

    fn raw(&self, socket: Socket, payload: Payload) -> &Endpoint {
        let found = self.raw.iter().find(|s| s.0 == socket && s.1 == payload);
        &found.expect("every raw server is started").2
    }

    fn shutdown(self) {
        // Apache's servers and the raw ones cannot be stopped; they end with the process.
        for (_, _, server) in self.ours {
            server.shutdown();
        }
    }
}

/// The implementations whose latency is measured over `socket`.
fn latency_implementations(socket: Socket) -> &'static [Implementation] {
    match socket {
        Socket::Tcp => &[
            Implementation::Ours,
            Implementation::Thrift,
            Implementation::ThriftNodelay,
            Implementation::ThriftNodelayBoth,
        ],
        Socket::Unix => &[Implementation::Ours, Implementation::Thrift],
    }
}

/// The implementations whose throughput is measured over `socket`: `thrift-nodelay` is left
/// out, as it is still bound by Nagle's algorithm on the server's side (see its latency).
fn throughput_implementations(socket: Socket) -> &'static [Implementation] {
    match socket {
        Socket::Tcp => &[
            Implementation::Ours,
            Implementation::Thrift,
            Implementation::ThriftNodelayBoth,
        ],
        Socket::Unix => &[Implementation::Ours, Implementation::Thrift],
    }
}

fn latency(c: &mut Criterion, servers: &Servers) {
    let mut group = c.benchmark_group("rpc/latency");
    group.sampling_mode(SamplingMode::Flat);
    for payload in Payload::ALL {
        for socket in Socket::ALL {
            for transport in Transport::ALL {
                for &implementation in latency_implementations(socket) {
                    let id = format!(
                        "{}/{}/{}/{}",
                        socket.name(),
                        transport.name(),
                        payload.name(),
                        implementation.name()
                    );
                    let endpoint = servers.endpoint(implementation, socket, transport);
                    bench_calls(&mut group, &id, || {
                        rpc::connect(implementation, endpoint, transport, payload).expect("connect")
                    });
                }
            }
            let id = format!("{}/raw/{}/floor", socket.name(), payload.name());
            bench_calls(&mut group, &id, || {
                raw::connect(servers.raw(socket, payload), payload).expect("connect")
            });
        }
    }
    group.finish();
}

/// One call per iteration on a connection opened on first use (so filtered-out benchmarks
/// open none) and closed afterwards.
fn bench_calls(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    id: &str,
    connect: impl Fn() -> Box<dyn Caller>,
) {
    let mut caller = None;
    group.bench_function(id, |b| {
        let caller = caller.get_or_insert_with(&connect);
        b.iter(|| caller.call().expect("call"));
    });
}

fn throughput(c: &mut Criterion, servers: &Servers) {
    let mut group = c.benchmark_group("rpc/throughput");
    group.sampling_mode(SamplingMode::Flat);
    group.throughput(Throughput::Elements(1));
    for payload in Payload::ALL {
        for threads in THREADS {
            for socket in Socket::ALL {
                for transport in Transport::ALL {
                    for &implementation in throughput_implementations(socket) {
                        let id = format!(
                            "{}/{}/{}/{}/t{threads}",
                            socket.name(),
                            transport.name(),
                            payload.name(),
                            implementation.name()
                        );
                        let endpoint = servers.endpoint(implementation, socket, transport);
                        let mut pool = None;
                        group.bench_function(&id, |b| {
                            let pool = pool.get_or_insert_with(|| {
                                let callers = (0..threads)
                                    .map(|_| {
                                        rpc::connect(implementation, endpoint, transport, payload)
                                            .expect("connect")
                                    })
                                    .collect();
                                let pool = ClientPool::new(callers).expect("client threads");
                                // Every connection is accepted and served before timing.
                                pool.run(threads as u64).expect("first calls");
                                pool
                            });
                            // Each iteration is one call; a sample's calls are spread over the
                            // threads and timed on the wall clock.
                            b.iter_custom(|calls| pool.run(calls).expect("calls"));
                        });
                        drop(pool);
                    }
                }
            }
        }
    }
    group.finish();
}

fn main() {
    let servers = Servers::start();
    let mut c = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    latency(&mut c, &servers);
    header_latency(&mut c);
    throughput(&mut c, &servers);
    c.final_summary();
    servers.shutdown();
    thrift_bench::cleanup();
}

/// Our THeader round trip (binary payload, one-port server), named like the framed case.
fn header_latency(c: &mut Criterion) {
    let mut group = c.benchmark_group("rpc/latency");
    group.sampling_mode(SamplingMode::Flat);
    let servers: Vec<_> = Socket::ALL
        .iter()
        .map(|&socket| {
            (
                socket,
                rpc::start_ours_header(socket).expect("start our THeader server"),
            )
        })
        .collect();
    for payload in Payload::ALL {
        for (socket, server) in &servers {
            let id = format!("{}/header/{}/ours", socket.name(), payload.name());
            bench_calls(&mut group, &id, || {
                rpc::connect_ours_header(server.endpoint(), payload).expect("connect")
            });
        }
    }
    group.finish();
    for (_, server) in servers {
        server.shutdown();
    }
}
