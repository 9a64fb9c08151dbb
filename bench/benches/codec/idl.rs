//! The four versions of `idl/bench.thrift` (see `build_codec.rs`) and the workload values,
//! built with the same content in each.

/// Ours (thrift-build, default options).
#[allow(unreachable_pub, dead_code)]
pub(crate) mod ours {
    thrift_rt::include_thrift!(concat!(env!("OUT_DIR"), "/codec/ours"));
}

/// Ours with `BytesStr` strings and `Bytes` binaries.
#[allow(unreachable_pub, dead_code)]
pub(crate) mod ours_shared {
    thrift_rt::include_thrift!(concat!(env!("OUT_DIR"), "/codec/ours_shared"));
}

/// Apache's (`thrift --gen rs` 0.17), for the `thrift` crate. The allowances are those the
/// file declares at its top (removed by the build script), plus this crate's lints.
#[allow(
    unused_imports,
    unused_extern_crates,
    unreachable_pub,
    dead_code,
    missing_debug_implementations,
    rust_2018_idioms,
    clippy::all,
    clippy::pedantic
)]
#[rustfmt::skip]
pub(crate) mod apache {
    include!(concat!(env!("OUT_DIR"), "/codec/apache/bench.rs"));
}

/// pilota-build's (it wraps its modules in `pub mod pilota { pub mod bench { … } }`).
#[allow(
    unreachable_pub,
    dead_code,
    missing_debug_implementations,
    rust_2018_idioms,
    clippy::all,
    clippy::pedantic
)]
#[rustfmt::skip]
pub(crate) mod pilota_gen {
    include!(concat!(env!("OUT_DIR"), "/codec/pilota.rs"));
}

/// Deterministic pseudo-random numbers (a 64-bit LCG, upper bits).
fn numbers(seed: u64) -> impl Iterator<Item = u64> {
    let mut x = seed;
    std::iter::repeat_with(move || {
        x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        x >> 11
    })
}

/// The content of every workload, independent of any implementation.
mod content {
    use super::numbers;

    pub(super) const FLAG: bool = true;
    pub(super) const TINY: i8 = -7;
    pub(super) const SMALL: i16 = 1234;
    pub(super) const MEDIUM: i32 = -123_456;
    pub(super) const LARGE: i64 = (1 << 40) + 12_345;
    pub(super) const RATIO: f64 = 1_234.567_890_123;

    pub(super) const ORDER_ID: i64 = 9_000_000_001;
    pub(super) const CUSTOMER_ID: i64 = 42;
    pub(super) const CUSTOMER_NAME: &str = "Ada Lovelace";
    pub(super) const CUSTOMER_EMAIL: &str = "ada@example.com";
    pub(super) const STATUS: i32 = 3;
    pub(super) const NOTE: &str = "leave at the door";
    pub(super) const DISCOUNT: f64 = 0.15;
    pub(super) const PAID: bool = true;

    /// 100 item ids of various magnitudes (compact varints of 1 to 9 bytes).
    pub(super) fn item_ids() -> Vec<i64> {
        numbers(1)
            .take(100)
            .enumerate()
            .map(|(i, n)| (n >> (i % 6 * 9)) as i64 * if i % 3 == 0 { -1 } else { 1 })
            .collect()
    }

    /// 10 string pairs.
    pub(super) fn attributes() -> Vec<(String, String)> {
        (0..10)
            .map(|i| {
                (
                    format!("attr-{i:02}"),
                    format!("value number {i} of the order"),
                )
            })
            .collect()
    }

    /// 256 bytes.
    pub(super) fn payload() -> Vec<u8> {
        (0..256u32).map(|i| (i * 31 % 251) as u8).collect()
    }

    pub(super) const LOG_RECORDS: usize = 1000;

    /// Log record `i`: host, app, message, timestamp, level.
    pub(super) fn log(i: usize) -> (String, String, String, i64, i32) {
        const APPS: [&str; 4] = ["api", "auth", "billing", "search"];
        (
            format!("web-{:02}", i % 16),
            APPS[i % 4].to_owned(),
            format!("GET /items/{i} 200"),
            1_700_000_000_000 + i as i64 * 137,
            (i % 5) as i32,
        )
    }

    /// 10,000 doubles in about ±1e6.
    pub(super) fn doubles() -> Vec<f64> {
        numbers(2)
            .take(10_000)
            .map(|n| (n % 2_000_000_000) as f64 / 1000.0 - 1e6)
            .collect()
    }

    /// 10,000 i32s of various magnitudes.
    pub(super) fn ints() -> Vec<i32> {
        numbers(3)
            .take(10_000)
            .enumerate()
            .map(|(i, n)| (n as u32 >> (i % 4 * 8)) as i32)
            .collect()
    }
}

use content as c;

/// The workload values for one version of our generated code (`$module`); strings and
/// binaries are built with `.into()`, which is the identity for `String` and `Vec<u8>`.
macro_rules! ours_values {
    ($name:ident, $module:ident) => {
        #[allow(clippy::useless_conversion)]
        pub(crate) mod $name {
            use super::c;
            use super::$module::bench::*;

            pub(crate) fn scalars() -> Scalars {
                Scalars {
                    flag: c::FLAG,
                    tiny: c::TINY,
                    small: c::SMALL,
                    medium: c::MEDIUM,
                    large: c::LARGE,
                    ratio: c::RATIO,
                }
            }

            pub(crate) fn order() -> Order {
                Order {
                    id: c::ORDER_ID,
                    customer: Customer {
                        id: c::CUSTOMER_ID,
                        name: c::CUSTOMER_NAME.into(),
                        email: c::CUSTOMER_EMAIL.into(),
                    },
                    status: c::STATUS,
                    item_ids: c::item_ids(),
                    attributes: c::attributes()
                        .into_iter()
                        .map(|(k, v)| (k.into(), v.into()))
                        .collect(),
                    note: Some(c::NOTE.into()),
                    priority: None,
                    discount: Some(c::DISCOUNT),
                    parent_id: None,
                    payload: c::payload().into(),
                    paid: c::PAID,
                }
            }

            pub(crate) fn logs() -> LogBatch {
                LogBatch {
                    records: (0..c::LOG_RECORDS)
                        .map(|i| {
                            let (host, app, message, timestamp, level) = c::log(i);
                            LogRecord {
                                host: host.into(),
                                app: app.into(),
                                message: message.into(),
                                timestamp,
                                level,
                            }
                        })
                        .collect(),
                }
            }

            pub(crate) fn doubles() -> Doubles {
                Doubles {
                    values: c::doubles(),
                }
            }

            pub(crate) fn ints() -> Ints {
                Ints { values: c::ints() }
            }
        }
    };
}

ours_values!(ours_values, ours);
ours_values!(shared_values, ours_shared);

/// The workload values for Apache's generated code.
pub(crate) mod apache_values {
    use thrift::OrderedFloat;

    use super::apache::*;
    use super::c;

    pub(crate) fn scalars() -> Scalars {
        Scalars {
            flag: Some(c::FLAG),
            tiny: Some(c::TINY),
            small: Some(c::SMALL),
            medium: Some(c::MEDIUM),
            large: Some(c::LARGE),
            ratio: Some(OrderedFloat(c::RATIO)),
        }
    }

    pub(crate) fn order() -> Order {
        Order {
            id: Some(c::ORDER_ID),
            customer: Some(Customer {
                id: Some(c::CUSTOMER_ID),
                name: Some(c::CUSTOMER_NAME.to_owned()),
                email: Some(c::CUSTOMER_EMAIL.to_owned()),
            }),
            status: Some(c::STATUS),
            item_ids: Some(c::item_ids()),
            attributes: Some(c::attributes().into_iter().collect()),
            note: Some(c::NOTE.to_owned()),
            priority: None,
            discount: Some(OrderedFloat(c::DISCOUNT)),
            parent_id: None,
            payload: Some(c::payload()),
            paid: Some(c::PAID),
        }
    }

    pub(crate) fn logs() -> LogBatch {
        LogBatch {
            records: Some(
                (0..c::LOG_RECORDS)
                    .map(|i| {
                        let (host, app, message, timestamp, level) = c::log(i);
                        LogRecord {
                            host: Some(host),
                            app: Some(app),
                            message: Some(message),
                            timestamp: Some(timestamp),
                            level: Some(level),
                        }
                    })
                    .collect(),
            ),
        }
    }

    pub(crate) fn doubles() -> Doubles {
        Doubles {
            values: Some(c::doubles().into_iter().map(OrderedFloat).collect()),
        }
    }

    pub(crate) fn ints() -> Ints {
        Ints {
            values: Some(c::ints()),
        }
    }
}

/// The workload values for pilota's generated code.
pub(crate) mod pilota_values {
    use pilota::{Bytes, FastStr};

    use super::c;
    use super::pilota_gen::pilota::bench::*;

    pub(crate) fn scalars() -> Scalars {
        Scalars {
            flag: Some(c::FLAG),
            tiny: Some(c::TINY),
            small: Some(c::SMALL),
            medium: Some(c::MEDIUM),
            large: Some(c::LARGE),
            ratio: Some(c::RATIO),
        }
    }

    pub(crate) fn order() -> Order {
        Order {
            id: Some(c::ORDER_ID),
            customer: Some(Customer {
                id: Some(c::CUSTOMER_ID),
                name: Some(FastStr::from_static_str(c::CUSTOMER_NAME)),
                email: Some(FastStr::from_static_str(c::CUSTOMER_EMAIL)),
            }),
            status: Some(c::STATUS),
            item_ids: Some(c::item_ids()),
            attributes: Some(
                c::attributes()
                    .into_iter()
                    .map(|(k, v)| (FastStr::from_string(k), FastStr::from_string(v)))
                    .collect(),
            ),
            note: Some(FastStr::from_static_str(c::NOTE)),
            priority: None,
            discount: Some(c::DISCOUNT),
            parent_id: None,
            payload: Some(Bytes::from(c::payload())),
            paid: Some(c::PAID),
        }
    }

    pub(crate) fn logs() -> LogBatch {
        LogBatch {
            records: Some(
                (0..c::LOG_RECORDS)
                    .map(|i| {
                        let (host, app, message, timestamp, level) = c::log(i);
                        LogRecord {
                            host: Some(FastStr::from_string(host)),
                            app: Some(FastStr::from_string(app)),
                            message: Some(FastStr::from_string(message)),
                            timestamp: Some(timestamp),
                            level: Some(level),
                        }
                    })
                    .collect(),
            ),
        }
    }

    pub(crate) fn doubles() -> Doubles {
        Doubles {
            values: Some(c::doubles()),
        }
    }

    pub(crate) fn ints() -> Ints {
        Ints {
            values: Some(c::ints()),
        }
    }
}
