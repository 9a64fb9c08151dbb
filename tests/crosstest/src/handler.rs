//! The server side: `ThriftTest` and `SecondService` as the cross-test contract defines
//! them.
//!
//! Echo methods return their argument; the others return the fixed values the official
//! clients check. Every call is logged at debug level.

use std::collections::BTreeMap;

use thrift_rt::{ApplicationError, ApplicationErrorKind, Error};

use crate::idl::cross_test::{
    Insanity, Numberz, SecondService, ThriftTest, ThriftTestTestExceptionError,
    ThriftTestTestMultiExceptionError, UserId, Xception, Xception2, Xtruct, Xtruct2,
};

/// The handler behind `test_server`: stateless, so one value serves every connection.
#[derive(Clone, Copy, Debug, Default)]
pub struct Handler;

type Result<T> = std::result::Result<T, Error>;

impl ThriftTest for Handler {
    fn test_void(&self) -> Result<()> {
        log::debug!("testVoid()");
        Ok(())
    }

    fn test_string(&self, thing: String) -> Result<String> {
        log::debug!("testString({thing:?})");
        Ok(thing)
    }

    fn test_bool(&self, thing: bool) -> Result<bool> {
        log::debug!("testBool({thing})");
        Ok(thing)
    }

    fn test_byte(&self, thing: i8) -> Result<i8> {
        log::debug!("testByte({thing})");
        Ok(thing)
    }

    fn test_i32(&self, thing: i32) -> Result<i32> {
        log::debug!("testI32({thing})");
        Ok(thing)
    }

    fn test_i64(&self, thing: i64) -> Result<i64> {
        log::debug!("testI64({thing})");
        Ok(thing)
    }

    fn test_double(&self, thing: f64) -> Result<f64> {
        log::debug!("testDouble({thing:e})");
        Ok(thing)
    }

    fn test_binary(&self, thing: Vec<u8>) -> Result<Vec<u8>> {
        log::debug!("testBinary({} bytes)", thing.len());
        Ok(thing)
    }

    fn test_struct(&self, thing: Xtruct) -> Result<Xtruct> {
        log::debug!("testStruct({thing:?})");
        Ok(thing)
    }

    fn test_nest(&self, thing: Xtruct2) -> Result<Xtruct2> {
        log::debug!("testNest({thing:?})");
        Ok(thing)
    }

    fn test_map(&self, thing: BTreeMap<i32, i32>) -> Result<BTreeMap<i32, i32>> {
        log::debug!("testMap({thing:?})");
        Ok(thing)
    }

    fn test_string_map(&self, thing: BTreeMap<String, String>) -> Result<BTreeMap<String, String>> {
        log::debug!("testStringMap({thing:?})");
        Ok(thing)
    }

    fn test_set(
        &self,
        thing: std::collections::BTreeSet<i32>,
    ) -> Result<std::collections::BTreeSet<i32>> {
        log::debug!("testSet({thing:?})");
        Ok(thing)
    }

    fn test_list(&self, thing: Vec<i32>) -> Result<Vec<i32>> {
        log::debug!("testList({thing:?})");
        Ok(thing)
    }

    fn test_enum(&self, thing: Numberz) -> Result<Numberz> {
        log::debug!("testEnum({thing:?})");
        Ok(thing)
    }

    fn test_typedef(&self, thing: UserId) -> Result<UserId> {
        log::debug!("testTypedef({thing})");
        Ok(thing)
    }

    fn test_map_map(&self, hello: i32) -> Result<BTreeMap<i32, BTreeMap<i32, i32>>> {
        log::debug!("testMapMap({hello})");
        Ok(map_map())
    }

    fn test_insanity(
        &self,
        argument: Insanity,
    ) -> Result<BTreeMap<UserId, BTreeMap<Numberz, Insanity>>> {
        log::debug!("testInsanity({argument:?})");
        Ok(insanity(argument))
    }

    fn test_multi(
        &self,
        arg0: i8,
        arg1: i32,
        arg2: i64,
        arg3: BTreeMap<i16, String>,
        arg4: Numberz,
        arg5: UserId,
    ) -> Result<Xtruct> {
        log::debug!("testMulti({arg0}, {arg1}, {arg2}, {arg3:?}, {arg4:?}, {arg5})");
        Ok(multi(arg0, arg1, arg2))
    }

    fn test_exception(&self, arg: String) -> std::result::Result<(), ThriftTestTestExceptionError> {
        log::debug!("testException({arg:?})");
        match arg.as_str() {
            "Xception" => Err(Xception {
                error_code: 1001,
                message: arg,
            }
            .into()),
            // An error the IDL does not declare: the processor answers with a
            // `TApplicationException`, as Apache's servers do for a thrown `TException`.
            "TException" => Err(Error::Application(ApplicationError::new(
                ApplicationErrorKind::InternalError,
                "Internal error",
            ))
            .into()),
            _ => Ok(()),
        }
    }

    fn test_multi_exception(
        &self,
        arg0: String,
        arg1: String,
    ) -> std::result::Result<Xtruct, ThriftTestTestMultiExceptionError> {
        log::debug!("testMultiException({arg0:?}, {arg1:?})");
        match arg0.as_str() {
            "Xception" => Err(Xception {
                error_code: 1001,
                message: "This is an Xception".to_owned(),
            }
            .into()),
            "Xception2" => Err(Xception2 {
                error_code: 2002,
                struct_thing: Xtruct {
                    string_thing: "This is an Xception2".to_owned(),
                    ..Xtruct::default()
                },
            }
            .into()),
            _ => Ok(Xtruct {
                string_thing: arg1,
                ..Xtruct::default()
            }),
        }
    }

    /// Returns at once, like Apache's C++ server. (Its Python server sleeps a third of the
    /// requested time; nothing observable depends on it, since a oneway call has no reply,
    /// and sleeping would only hold this connection's thread.)
    fn test_oneway(&self, seconds_to_sleep: i32) -> Result<()> {
        log::debug!("testOneway({seconds_to_sleep})");
        Ok(())
    }
}

impl SecondService for Handler {
    fn secondtest_string(&self, thing: String) -> Result<String> {
        log::debug!("secondtestString({thing:?})");
        Ok(format!("testString(\"{thing}\")"))
    }
}

/// `testMapMap`'s fixed answer: `{-4: {-4: -4, …, -1: -1}, 4: {1: 1, …, 4: 4}}`.
pub fn map_map() -> BTreeMap<i32, BTreeMap<i32, i32>> {
    BTreeMap::from([
        (-4, (-4..=-1).map(|i| (i, i)).collect()),
        (4, (1..=4).map(|i| (i, i)).collect()),
    ])
}

/// `testInsanity`'s answer: `{1: {TWO: argument, THREE: argument}, 2: {SIX: Insanity{}}}`.
pub fn insanity(argument: Insanity) -> BTreeMap<UserId, BTreeMap<Numberz, Insanity>> {
    BTreeMap::from([
        (
            1,
            BTreeMap::from([(Numberz::TWO, argument.clone()), (Numberz::THREE, argument)]),
        ),
        (2, BTreeMap::from([(Numberz::SIX, Insanity::default())])),
    ])
}

/// `testMulti`'s answer.
pub fn multi(arg0: i8, arg1: i32, arg2: i64) -> Xtruct {
    Xtruct {
        string_thing: "Hello2".to_owned(),
        byte_thing: arg0,
        i32_thing: arg1,
        i64_thing: arg2,
    }
}
