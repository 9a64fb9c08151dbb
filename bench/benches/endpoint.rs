//! Channel endpoints against plain connections, binary protocol, echo service on channel 0.
//!
//! - `endpoint/latency/{tcp,unix}/{buffered,framed}/{payload}/{case}`: one caller, one call
//!   per iteration. Cases: `plain` (generated client on `thrift_rt::connect`, our thread-pool
//!   server), `endpoint` (generated client on an endpoint's caller, a listening endpoint as
//!   the server), `plain-to-endpoint` (the plain client against the listening endpoint: the
//!   server side's share of the difference).
//! - `endpoint/throughput/{tcp,unix}/framed/{payload}/{case}/t{1,4,16}`: 1, 4 or 16 client
//!   threads. Cases: `shared` (every thread calls through one endpoint: one connection),
//!   `endpoint-per-thread` (a connected endpoint per thread), `plain-per-thread` (a plain
//!   connection per thread to our thread-pool server).
//!
//! Run with `cargo bench --manifest-path bench/Cargo.toml --bench endpoint [-- FILTER]`.

use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, SamplingMode, Throughput};
use thrift_bench::channels::{self, EndpointEcho, EndpointServer};
use thrift_bench::pool::ClientPool;
use thrift_bench::rpc::{self, Caller, Implementation, OursServer};
use thrift_bench::{Payload, Socket, Transport};

/// Client threads of the throughput benchmarks.
const THREADS: [usize; 3] = [1, 4, 16];

/// Both kinds of server for one socket and transport.
struct Servers {
    socket: Socket,
    transport: Transport,
    plain: OursServer,
    endpoint: EndpointServer,
}

fn start_servers() -> Vec<Servers> {
    let mut all = Vec::new();
    for socket in Socket::ALL {
        for transport in Transport::ALL {
            all.push(Servers {
                socket,
                transport,
                plain: OursServer::start(socket, transport).expect("start our server"),
                endpoint: EndpointServer::start(socket, transport).expect("start the endpoint"),
            });
        }
    }
    all
}

/// The ways a client thread reaches the echo service.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Case {
    Plain,
    Endpoint,
    PlainToEndpoint,
}

impl Case {
    fn name(self) -> &'static str {
        match self {
            Self::Plain => "plain",
            Self::Endpoint => "endpoint",
            Self::PlainToEndpoint => "plain-to-endpoint",
        }
    }

    /// A caller with a connection of its own.
    fn connect(self, servers: &Servers, payload: Payload) -> Box<dyn Caller> {
        let transport = servers.transport;
        match self {
            Self::Plain => rpc::connect(
                Implementation::Ours,
                servers.plain.endpoint(),
                transport,
                payload,
            )
            .expect("connect"),
            Self::PlainToEndpoint => rpc::connect(
                Implementation::Ours,
                servers.endpoint.endpoint(),
                transport,
                payload,
            )
            .expect("connect"),
            Self::Endpoint => {
                let endpoint = channels::connect(servers.endpoint.endpoint(), transport)
                    .expect("connect an endpoint");
                // The caller keeps the connection open after `endpoint` is dropped.
                Box::new(EndpointEcho::new(endpoint.caller(), payload))
            }
        }
    }
}

fn latency(c: &mut Criterion, all: &[Servers]) {
    let mut group = c.benchmark_group("endpoint/latency");
    group.sampling_mode(SamplingMode::Flat);
    for payload in Payload::ALL {
        for servers in all {
            for case in [Case::Plain, Case::Endpoint, Case::PlainToEndpoint] {
                let id = format!(
                    "{}/{}/{}/{}",
                    servers.socket.name(),
                    servers.transport.name(),
                    payload.name(),
                    case.name()
                );
                let mut caller = None;
                group.bench_function(&id, |b| {
                    let caller = caller.get_or_insert_with(|| case.connect(servers, payload));
                    b.iter(|| caller.call().expect("call"));
                });
            }
        }
    }
    group.finish();
}

/// How the client threads of a throughput case get their callers.
#[derive(Clone, Copy, Debug)]
enum Sharing {
    /// One endpoint, a caller of it per thread.
    Shared,
    /// A connection per thread.
    PerThread(Case),
}

impl Sharing {
    fn name(self) -> &'static str {
        match self {
            Self::Shared => "shared",
            Self::PerThread(Case::Endpoint) => "endpoint-per-thread",
            Self::PerThread(_) => "plain-per-thread",
        }
    }

    fn callers(self, servers: &Servers, payload: Payload, threads: usize) -> Vec<Box<dyn Caller>> {
        match self {
            Self::Shared => {
                let endpoint = channels::connect(servers.endpoint.endpoint(), servers.transport)
                    .expect("connect an endpoint");
                (0..threads)
                    .map(|_| Box::new(EndpointEcho::new(endpoint.caller(), payload)) as _)
                    .collect()
            }
            Self::PerThread(case) => (0..threads)
                .map(|_| case.connect(servers, payload))
                .collect(),
        }
    }
}

fn throughput(c: &mut Criterion, all: &[Servers]) {
    let mut group = c.benchmark_group("endpoint/throughput");
    group.sampling_mode(SamplingMode::Flat);
    group.throughput(Throughput::Elements(1));
    for payload in Payload::ALL {
        for threads in THREADS {
            for servers in all.iter().filter(|s| s.transport == Transport::Framed) {
                for sharing in [
                    Sharing::Shared,
                    Sharing::PerThread(Case::Endpoint),
                    Sharing::PerThread(Case::Plain),
                ] {
                    let id = format!(
                        "{}/{}/{}/{}/t{threads}",
                        servers.socket.name(),
                        servers.transport.name(),
                        payload.name(),
                        sharing.name()
                    );
                    bench_pool(&mut group, &id, threads, || {
                        sharing.callers(servers, payload, threads)
                    });
                }
            }
        }
    }
    group.finish();
}

/// Spreads each sample's calls over client threads started on first use.
fn bench_pool(
    group: &mut BenchmarkGroup<'_, WallTime>,
    id: &str,
    threads: usize,
    callers: impl Fn() -> Vec<Box<dyn Caller>>,
) {
    let mut pool = None;
    group.bench_function(id, |b| {
        let pool = pool.get_or_insert_with(|| {
            let pool = ClientPool::new(callers()).expect("client threads");
            pool.run(threads as u64).expect("first calls");
            pool
        });
        b.iter_custom(|calls| pool.run(calls).expect("calls"));
    });
}

fn main() {
    let all = start_servers();
    let mut c = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    latency(&mut c, &all);
    throughput(&mut c, &all);
    c.final_summary();
    for servers in all {
        servers.plain.shutdown();
        drop(servers.endpoint);
    }
    thrift_bench::cleanup();
}
