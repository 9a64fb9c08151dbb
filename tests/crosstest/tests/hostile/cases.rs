//! The cases, each a function of the running server and combination, and their list.

use std::fmt;
use std::io::{self, Read, Write};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use thrift_rt::ApplicationErrorKind;

use crate::combos::{Combo, Proto};
use crate::conn::{read_messages, read_until_closed};
use crate::decode::{Msg, Value, decode_all};
use crate::encode::{CALL, EXCEPTION, ONEWAY, REPLY, Ty, cat, varint};
use crate::run::Expect::{Answered, AnyThenClosed, Closed, ClosedMaybe, Ignored, Refused};
use crate::run::Finish::{Eof, Prompt, Stall};
use crate::run::{CaseResult, Ctx, Done, Expect, Finish};
use crate::{MESSAGE_TIMEOUT, PROMPT, STALL_BOUND};

type Case = (&'static str, fn(&Ctx<'_>) -> CaseResult);

pub(crate) fn cases() -> Vec<Case> {
    vec![
        (
            "negative string and binary lengths",
            negative_string_lengths,
        ),
        (
            "oversized string and binary lengths",
            oversized_string_lengths,
        ),
        (
            "string lengths beyond the bytes sent",
            string_lengths_beyond_input,
        ),
        ("negative container counts", negative_container_counts),
        ("oversized container counts", oversized_container_counts),
        (
            "container counts beyond the bytes sent",
            container_counts_beyond_input,
        ),
        ("negative frame sizes", negative_frame_sizes),
        ("oversized frame sizes", oversized_frame_sizes),
        (
            "frame sizes beyond the bytes sent",
            frame_sizes_beyond_input,
        ),
        ("nesting 10,000 deep (unknown fields)", |c| {
            deep_unknown(c, 10_000)
        }),
        ("nesting 100,000 deep (unknown fields)", |c| {
            deep_unknown(c, 100_000)
        }),
        ("nesting 10,000 deep (known fields)", |c| {
            deep_known(c, 10_000)
        }),
        ("nesting 100,000 deep (known fields)", |c| {
            deep_known(c, 100_000)
        }),
        ("nesting 100,000 deep (unknown method)", deep_unknown_method),
        ("unknown type ids", unknown_type_ids),
        ("truncated messages", truncated_messages),
        ("truncated frames", truncated_frames),
        ("truncated message, then a stall", truncated_then_stall),
        ("zero-length frame flood", zero_length_frame_flood),
        (
            "zero-length frames before a call",
            zero_length_frames_then_call,
        ),
        ("over-long varints and numbers", over_long_varints),
        ("invalid UTF-8", invalid_utf8),
        ("bad protocol versions", bad_versions),
        ("bad message types", bad_message_types),
        ("unknown methods", unknown_methods),
        (
            "replies and exceptions sent to a server",
            replies_to_a_server,
        ),
        ("random garbage (seeded)", random_garbage),
        ("mutated calls (seeded)", mutated_calls),
        ("slow client, one byte per 100 ms", slow_client),
        ("abrupt disconnects mid-message", abrupt_disconnects),
        ("disconnect before a large reply", disconnect_before_reply),
        ("connection flood", connection_flood),
        ("call flood", call_flood),
    ]
}

const BAD_ARGS: Expect = Refused(ApplicationErrorKind::ProtocolError);

/// The inputs of a case, each sent on a connection of its own.
struct Inputs<'c> {
    ctx: &'c Ctx<'c>,
    list: Vec<(String, Vec<u8>, Finish, Expect)>,
}

impl<'c> Inputs<'c> {
    pub(crate) fn new(ctx: &'c Ctx<'c>) -> Self {
        Self {
            ctx,
            list: Vec::new(),
        }
    }

    /// One message, framed as the transport frames one.
    pub(crate) fn message(
        &mut self,
        label: impl fmt::Display,
        message: &[u8],
        finish: Finish,
        expect: Expect,
    ) {
        let wire = self.ctx.frame(message);
        self.raw(label, wire, finish, expect);
    }

    /// Bytes sent as they are.
    fn raw(&mut self, label: impl fmt::Display, wire: Vec<u8>, finish: Finish, expect: Expect) {
        self.list.push((label.to_string(), wire, finish, expect));
    }

    /// Runs [`Ctx::exchange`] for each input, stopping at the first failure.
    fn run(self) -> CaseResult {
        for (label, wire, finish, expect) in self.list {
            self.ctx
                .exchange(&wire, finish, expect)
                .map_err(|e| format!("{label}: {e}"))?;
        }
        Ok(Done::Pass)
    }
}

fn negative_string_lengths(c: &Ctx<'_>) -> CaseResult {
    let p = c.p();
    if p == Proto::Json {
        // JSON strings carry no length; negative list counts are covered by "negative
        // container counts".
        return Ok(Done::NotApplicable);
    }
    let mut t = Inputs::new(c);
    for claimed in [-1i64, -100, i64::from(i32::MIN)] {
        for method in ["testString", "testBinary"] {
            let call = p.call(method, 1, &[p.field(1, Ty::Str, &p.strv(claimed, b"abc"))]);
            t.message(
                format!("{method} length {claimed}"),
                &call,
                Prompt,
                BAD_ARGS,
            );
        }
    }
    t.run()
}

fn oversized_string_lengths(c: &Ctx<'_>) -> CaseResult {
    let p = c.p();
    let mut t = Inputs::new(c);
    if p == Proto::Json {
        // No lengths in JSON: a binary that is not base64 instead.
        let call = p.call(
            "testBinary",
            1,
            &[p.field(1, Ty::Str, b"\"@@@@ not base64\"")],
        );
        t.message("testBinary with invalid base64", &call, Prompt, BAD_ARGS);
        return t.run();
    }
    // Beyond `max_string_len` (100 MiB): refused at once, whatever the transport.
    for claimed in [i64::from(i32::MAX), 100 * 1024 * 1024 + 1] {
        for method in ["testString", "testBinary"] {
            let call = p.call(method, 1, &[p.field(1, Ty::Str, &p.strv(claimed, b"abc"))]);
            t.message(
                format!("{method} length {claimed}"),
                &call,
                Prompt,
                BAD_ARGS,
            );
        }
    }
    // The method name too: the header cannot be read, so nothing is answered.
    let header = match p {
        Proto::Binary => cat(&[&[0x80, 1, 0, CALL], &i32::MAX.to_be_bytes(), b"test"]),
        _ => cat(&[
            &[0x82, 0x21, 0x01],
            &varint(u64::from(i32::MAX as u32)),
            b"test",
        ]),
    };
    t.message("method name length i32::MAX", &header, Prompt, Closed);
    t.run()
}

fn string_lengths_beyond_input(c: &Ctx<'_>) -> CaseResult {
    let p = c.p();
    if p == Proto::Json {
        return Ok(Done::NotApplicable);
    }
    let mut t = Inputs::new(c);
    // Within the limit, but far more than was sent: nothing may be allocated for it.
    for claimed in [1_000_000i64, 50_000_000] {
        let call = p.call(
            "testString",
            1,
            &[p.field(1, Ty::Str, &p.strv(claimed, b"abc"))],
        );
        t.message(
            format!("length {claimed}, 3 bytes sent"),
            &call,
            c.short_input(),
            BAD_ARGS,
        );
    }
    t.run()
}

/// `testList`, `testSet` and `testMap` calls whose container claims `claimed` elements and
/// holds one (and, with `structs`, `testInsanity` with a list of `claimed` structs).
fn container_calls(p: Proto, claimed: i64, structs: bool) -> Vec<(String, Vec<u8>)> {
    let one = [p.i32v(1)];
    let entry = [(p.key_i32(1), p.i32v(1))];
    let mut calls = vec![
        (
            "list",
            p.call(
                "testList",
                1,
                &[p.field(1, Ty::List, &p.listv(Ty::I32, claimed, &one))],
            ),
        ),
        (
            "set",
            p.call(
                "testSet",
                1,
                &[p.field(1, Ty::Set, &p.listv(Ty::I32, claimed, &one))],
            ),
        ),
        (
            "map",
            p.call(
                "testMap",
                1,
                &[p.field(1, Ty::Map, &p.mapv(Ty::I32, Ty::I32, claimed, &entry))],
            ),
        ),
    ];
    if structs {
        // The smallest struct is one byte on the wire and a whole Xtruct in memory.
        let insanity = p.strukt(&[p.field(2, Ty::List, &p.listv(Ty::Struct, claimed, &[]))]);
        calls.push((
            "list<Xtruct>",
            p.call("testInsanity", 1, &[p.field(1, Ty::Struct, &insanity)]),
        ));
    }
    calls
        .into_iter()
        .map(|(what, call)| (format!("{what} count {claimed}"), call))
        .collect()
}

fn negative_container_counts(c: &Ctx<'_>) -> CaseResult {
    let mut t = Inputs::new(c);
    for claimed in [-1i64, i64::from(i32::MIN)] {
        for (label, call) in container_calls(c.p(), claimed, false) {
            t.message(label, &call, Prompt, BAD_ARGS);
        }
    }
    t.run()
}

fn oversized_container_counts(c: &Ctx<'_>) -> CaseResult {
    let mut t = Inputs::new(c);
    // Beyond `max_container_len` (100 Mi elements): refused at once.
    for claimed in [i64::from(i32::MAX), 100 * 1024 * 1024 + 1] {
        for (label, call) in container_calls(c.p(), claimed, true) {
            t.message(label, &call, Prompt, BAD_ARGS);
        }
    }
    t.run()
}

fn container_counts_beyond_input(c: &Ctx<'_>) -> CaseResult {
    let mut t = Inputs::new(c);
    // Within the limits, but far more than was sent: a framed server knows at once, a
    // buffered one when the input ends. Nothing may be allocated for the claimed count.
    for claimed in [1_000_000i64, 20_000_000] {
        for (label, call) in container_calls(c.p(), claimed, true) {
            t.message(label, &call, c.short_input(), BAD_ARGS);
        }
    }
    t.run()
}

fn negative_frame_sizes(c: &Ctx<'_>) -> CaseResult {
    if !c.framed() {
        return Ok(Done::NotApplicable);
    }
    let call = c.p().test_i32(1, 1);
    let mut t = Inputs::new(c);
    for size in [-1i32, i32::MIN, -(call.len() as i32)] {
        t.raw(
            format!("frame size {size}"),
            cat(&[&size.to_be_bytes(), &call]),
            Prompt,
            Closed,
        );
    }
    t.run()
}

fn oversized_frame_sizes(c: &Ctx<'_>) -> CaseResult {
    if !c.framed() {
        return Ok(Done::NotApplicable);
    }
    let call = c.p().test_i32(1, 1);
    let mut t = Inputs::new(c);
    // Beyond `max_frame_size` (16,384,000): refused before anything is read or allocated.
    for size in [i32::MAX, 16_384_001, 1 << 30] {
        t.raw(
            format!("frame size {size}"),
            cat(&[&size.to_be_bytes(), &call]),
            Prompt,
            Closed,
        );
    }
    t.run()
}

fn frame_sizes_beyond_input(c: &Ctx<'_>) -> CaseResult {
    if !c.framed() {
        return Ok(Done::NotApplicable);
    }
    let call = c.p().test_i32(1, 1);
    let mut t = Inputs::new(c);
    // Within the limit but never sent: the frame never completes, so no message starts.
    for (size, finish) in [(16_384_000i32, Eof), (1_000_000, Stall)] {
        let wire = cat(&[&size.to_be_bytes(), &call]);
        t.raw(
            format!("frame size {size}, {finish:?}"),
            wire,
            finish,
            Closed,
        );
    }
    t.run()
}

/// `testString` with a valid argument and an unknown field of deeply nested structs, lists or
/// maps: skipping the unknown field must stop at the depth limit (64).
fn deep_unknown(c: &Ctx<'_>, levels: usize) -> CaseResult {
    let p = c.p();
    let thing = p.field(1, Ty::Str, &p.string("deep"));
    let mut t = Inputs::new(c);
    for (what, ty, value) in [
        ("structs", Ty::Struct, p.nested_structs(levels)),
        ("lists", Ty::List, p.nested_lists(levels)),
        ("maps", Ty::Map, p.nested_maps(levels)),
    ] {
        let call = p.call("testString", 1, &[thing.clone(), p.field(99, ty, &value)]);
        t.message(
            format!("{levels} nested {what} in field 99"),
            &call,
            Prompt,
            BAD_ARGS,
        );
    }
    t.run()
}

/// Deep nesting through fields the server knows: `testNest`'s `Xtruct2.struct_thing` holding
/// an unknown field of nested structs, `testInsanity`'s list of `Xtruct` holding nested maps,
/// and `testString`'s field 1 (a string) sent as nested structs and as nested lists (a type
/// mismatch, which is skipped).
fn deep_known(c: &Ctx<'_>, levels: usize) -> CaseResult {
    let p = c.p();
    let xtruct = p.strukt(&[
        p.field(1, Ty::Str, &p.string("x")),
        p.field(99, Ty::Struct, &p.nested_structs(levels)),
    ]);
    let x2 = p.strukt(&[p.field(2, Ty::Struct, &xtruct)]);
    let nest = p.call("testNest", 1, &[p.field(1, Ty::Struct, &x2)]);
    let deep_maps = p.strukt(&[p.field(99, Ty::Map, &p.nested_maps(levels))]);
    let xtructs = p.strukt(&[p.field(2, Ty::List, &p.listv(Ty::Struct, 1, &[deep_maps]))]);
    let insane = p.call("testInsanity", 1, &[p.field(1, Ty::Struct, &xtructs)]);
    let as_structs = p.call(
        "testString",
        1,
        &[p.field(1, Ty::Struct, &p.nested_structs(levels))],
    );
    let as_lists = p.call(
        "testString",
        1,
        &[p.field(1, Ty::List, &p.nested_lists(levels))],
    );
    let mut t = Inputs::new(c);
    t.message(
        format!("testNest, {levels} structs"),
        &nest,
        Prompt,
        BAD_ARGS,
    );
    t.message(
        format!("testInsanity, {levels} maps"),
        &insane,
        Prompt,
        BAD_ARGS,
    );
    t.message(
        format!("testString, field 1 as {levels} structs"),
        &as_structs,
        Prompt,
        BAD_ARGS,
    );
    t.message(
        format!("testString, field 1 as {levels} lists"),
        &as_lists,
        Prompt,
        BAD_ARGS,
    );
    t.run()
}

fn deep_unknown_method(c: &Ctx<'_>) -> CaseResult {
    let p = c.p();
    let call = p.call(
        "noSuchMethod",
        1,
        &[p.field(1, Ty::Struct, &p.nested_structs(100_000))],
    );
    // The arguments of an unknown method are skipped before the exception is written; the
    // skip fails at the depth limit, so the connection closes without one.
    let mut t = Inputs::new(c);
    t.message("100,000 nested structs", &call, Prompt, Closed);
    t.run()
}

fn unknown_type_ids(c: &Ctx<'_>) -> CaseResult {
    let p = c.p();
    let two = [p.i32v(1), p.i32v(2)];
    let entry = [(p.key_i32(1), p.i32v(1))];
    let field = p.call("testString", 1, &[p.field(5, Ty::Bogus, &p.i32v(1))]);
    let elem = p.call(
        "testList",
        1,
        &[p.field(1, Ty::List, &p.listv(Ty::Bogus, 2, &two))],
    );
    let key = p.call(
        "testMap",
        1,
        &[p.field(1, Ty::Map, &p.mapv(Ty::Bogus, Ty::I32, 1, &entry))],
    );
    let unknown = p.call("noSuchMethod", 1, &[p.field(5, Ty::Bogus, &p.i32v(1))]);
    let mut t = Inputs::new(c);
    t.message("field type", &field, Prompt, BAD_ARGS);
    t.message("list element type", &elem, Prompt, BAD_ARGS);
    t.message("map key type", &key, Prompt, BAD_ARGS);
    t.message("in an unknown method's arguments", &unknown, Prompt, Closed);
    t.run()
}

/// Every prefix of a few calls, then the end of input: before the header is complete nothing
/// is answered; after it, `PROTOCOL_ERROR`. (Framed: a whole frame holding a truncated
/// message.)
fn truncated_messages(c: &Ctx<'_>) -> CaseResult {
    let p = c.p();
    let mut t = Inputs::new(c);
    for (name, call) in [("testStruct", p.test_struct(7)), ("testMap", p.test_map(7))] {
        let header = p.header_len(name, 7);
        for k in 1..call.len() {
            let expect = if k < header { Closed } else { BAD_ARGS };
            t.message(
                format!("{name}, {k} of {} bytes", call.len()),
                &call[..k],
                Eof,
                expect,
            );
        }
    }
    t.run()
}

/// Frames that end early: part of the length, or part of the payload, then the end of input.
fn truncated_frames(c: &Ctx<'_>) -> CaseResult {
    if !c.framed() {
        return Ok(Done::NotApplicable);
    }
    let wire = c.frame(&c.p().test_struct(7));
    let mut t = Inputs::new(c);
    for k in 1..wire.len() {
        t.raw(
            format!("{k} of {} bytes of a frame", wire.len()),
            wire[..k].to_vec(),
            Eof,
            Closed,
        );
    }
    t.run()
}

fn truncated_then_stall(c: &Ctx<'_>) -> CaseResult {
    let call = c.p().test_struct(7);
    let half = &call[..call.len() / 2];
    // Framed: the frame claims the whole message but only half arrives.
    let wire = if c.framed() {
        cat(&[&(call.len() as i32).to_be_bytes(), half])
    } else {
        half.to_vec()
    };
    let mut t = Inputs::new(c);
    t.raw(
        "half a call",
        wire,
        Stall,
        ClosedMaybe(ApplicationErrorKind::ProtocolError),
    );
    t.run()
}

fn zero_length_frame_flood(c: &Ctx<'_>) -> CaseResult {
    let mut conn = c.server.connect().map_err(|e| format!("connect: {e}"))?;
    // At most a million empty frames (4 MB), for at most the message timeout plus a second;
    // the server must not let them hold the connection beyond its message timeout.
    let chunk = vec![0u8; 64 * 1024];
    let start = Instant::now();
    let mut sent = 0usize;
    while sent < 4_000_000 && start.elapsed() < MESSAGE_TIMEOUT + Duration::from_secs(1) {
        if conn.write_all(&chunk).is_err() {
            break;
        }
        sent += chunk.len();
    }
    let seen = read_until_closed(&mut conn, STALL_BOUND);
    if !seen.closed {
        return Err(format!(
            "{} empty frames sent; still open {STALL_BOUND:?} later",
            sent / 4
        ));
    }
    let msgs = decode_all(c.combo, &seen.bytes);
    if !msgs.is_empty() {
        return Err(format!("answered {msgs:?}"));
    }
    Ok(Done::Pass)
}

fn zero_length_frames_then_call(c: &Ctx<'_>) -> CaseResult {
    if !c.framed() {
        return Ok(Done::NotApplicable);
    }
    // Empty frames are legal framing: 10,000 of them, then a call, which is answered.
    let wire = cat(&[&vec![0u8; 40_000], &c.frame(&c.p().test_i32(11, 11))]);
    let mut conn = c.server.connect().map_err(|e| format!("connect: {e}"))?;
    conn.write_all(&wire).map_err(|e| format!("write: {e}"))?;
    let msgs = read_messages(c.combo, &mut conn, 1, PROMPT)?;
    match &msgs[..] {
        [
            Msg::Reply {
                seqid: 11,
                value: Some(Value::I32(11)),
            },
        ] => Ok(Done::Pass),
        other => Err(format!("expected the reply, got {other:?}")),
    }
}

fn over_long_varints(c: &Ctx<'_>) -> CaseResult {
    let p = c.p();
    let mut t = Inputs::new(c);
    match p {
        Proto::Binary => return Ok(Done::NotApplicable),
        Proto::Json => {
            let digits = "9".repeat(60);
            let long_i32 = p.call("testI32", 1, &[p.field(1, Ty::I32, digits.as_bytes())]);
            let too_big = p.call("testI32", 1, &[p.field(1, Ty::I32, b"4294967296")]);
            let long_seqid = format!("[1,\"testI32\",1,{digits},{{}}]").into_bytes();
            t.message("a 60-digit i32", &long_i32, Prompt, BAD_ARGS);
            t.message("an i32 out of range", &too_big, Prompt, BAD_ARGS);
            t.message("a 60-digit seqid", &long_seqid, Prompt, Closed);
        }
        Proto::Compact => {
            // 13 bytes: 12 with the continuation bit, then a last one.
            let long = cat(&[&[0xff; 12], &[0x01]]);
            // Five bytes, but more than 32 bits.
            let overflow = [0xff, 0xff, 0xff, 0xff, 0x7f];
            let seqid = cat(&[&[0x82, 0x21], &long, &[7], b"testI32", &[0]]);
            let string = p.call("testString", 1, &[p.field(1, Ty::Str, &long)]);
            let i32v = p.call("testI32", 1, &[p.field(1, Ty::I32, &long)]);
            let i32o = p.call("testI32", 1, &[p.field(1, Ty::I32, &overflow)]);
            let i64v = p.call("testI64", 1, &[p.field(1, Ty::I64, &long)]);
            let list = p.call(
                "testList",
                1,
                &[p.field(1, Ty::List, &cat(&[&[0xf5], &long]))],
            );
            let field_id = p.call(
                "testI32",
                1,
                &[cat(&[&[Ty::I32.compact()], &long, &p.i32v(1)])],
            );
            t.message("seqid", &seqid, Prompt, Closed);
            t.message("string length", &string, Prompt, BAD_ARGS);
            t.message("i32", &i32v, Prompt, BAD_ARGS);
            t.message("i32 overflowing 32 bits", &i32o, Prompt, BAD_ARGS);
            t.message("i64", &i64v, Prompt, BAD_ARGS);
            t.message("list size", &list, Prompt, BAD_ARGS);
            t.message("field id", &field_id, Prompt, BAD_ARGS);
        }
    }
    t.run()
}

fn invalid_utf8(c: &Ctx<'_>) -> CaseResult {
    let p = c.p();
    let bad: &[u8] = b"ok\xff\xfe\xc3(";
    let bad_string = p.strv(bad.len() as i64, bad);
    let name = p.message(b"test\xffString", CALL, 1, &p.strukt(&[]));
    let arg = p.call("testString", 1, &[p.field(1, Ty::Str, &bad_string)]);
    let entry = [(bad_string, p.string("v"))];
    let key = p.call(
        "testStringMap",
        1,
        &[p.field(1, Ty::Map, &p.mapv(Ty::Str, Ty::Str, 1, &entry))],
    );
    let mut t = Inputs::new(c);
    t.message("in the method name", &name, Prompt, Closed);
    t.message("in testString's argument", &arg, Prompt, BAD_ARGS);
    t.message("in a map key", &key, Prompt, BAD_ARGS);
    if p == Proto::Json {
        for (what, text) in [
            ("a lone surrogate", &br#""\ud800x""#[..]),
            ("a bad escape", br#""\q""#),
        ] {
            let call = p.call("testString", 1, &[p.field(1, Ty::Str, text)]);
            t.message(what, &call, Prompt, BAD_ARGS);
        }
    }
    t.run()
}

fn bad_versions(c: &Ctx<'_>) -> CaseResult {
    let p = c.p();
    let body = p.strukt(&[p.field(1, Ty::I32, &p.i32v(1))]);
    let valid = p.test_i32(1, 1);
    let mut t = Inputs::new(c);
    for version in [0u8, 2, 0x1f] {
        let wire = p.finish(p.header_version(b"testI32", CALL, 1, version), &body);
        t.message(format!("version {version}"), &wire, Prompt, Closed);
    }
    match p {
        Proto::Binary => {
            t.message(
                "header 0x81010001",
                &cat(&[&[0x81, 1, 0, 1], &valid[4..]]),
                Prompt,
                Closed,
            );
            t.message("header 0xffffffff", &[0xff; 16], Prompt, Closed);
        }
        Proto::Compact => {
            t.message(
                "protocol id 0x83",
                &cat(&[&[0x83], &valid[1..]]),
                Prompt,
                Closed,
            );
            t.message("protocol id 0x00", &[0; 16], Prompt, Closed);
        }
        Proto::Json => {
            let as_string = cat(&[b"[\"1\",\"testI32\",1,1,", &body, b"]"]);
            let negative = cat(&[b"[-1,\"testI32\",1,1,", &body, b"]"]);
            t.message("an object, not an array", b"{\"1\":1}", Prompt, Closed);
            t.message("the version as a string", &as_string, Prompt, Closed);
            t.message("version -1", &negative, Prompt, Closed);
        }
    }
    t.run()
}

fn bad_message_types(c: &Ctx<'_>) -> CaseResult {
    let p = c.p();
    let body = p.strukt(&[p.field(1, Ty::I32, &p.i32v(1))]);
    let mut t = Inputs::new(c);
    for kind in [0u8, 5, 7] {
        let wire = p.message(b"testI32", kind, 1, &body);
        t.message(format!("message type {kind}"), &wire, Prompt, Closed);
    }
    t.run()
}

fn unknown_methods(c: &Ctx<'_>) -> CaseResult {
    let p = c.p();
    let body = p.strukt(&[p.field(1, Ty::I32, &p.i32v(1))]);
    let unknown = Answered(ApplicationErrorKind::UnknownMethod);
    let mut t = Inputs::new(c);
    t.message(
        "a call",
        &p.message(b"noSuchMethod", CALL, 3, &body),
        Prompt,
        unknown,
    );
    t.message(
        "an empty name",
        &p.message(b"", CALL, 3, &body),
        Prompt,
        unknown,
    );
    t.message(
        "a oneway",
        &p.message(b"noSuchOneway", ONEWAY, 3, &body),
        Prompt,
        Ignored,
    );
    t.run()
}

fn replies_to_a_server(c: &Ctx<'_>) -> CaseResult {
    let p = c.p();
    let result = p.strukt(&[p.field(0, Ty::Str, &p.string("x"))]);
    let exception = p.strukt(&[
        p.field(1, Ty::Str, &p.string("from a client")),
        p.field(2, Ty::I32, &p.i32v(6)),
    ]);
    let invalid = Answered(ApplicationErrorKind::InvalidMessageType);
    let mut t = Inputs::new(c);
    t.message(
        "a reply",
        &p.message(b"testString", REPLY, 5, &result),
        Prompt,
        invalid,
    );
    t.message(
        "an exception",
        &p.message(b"testString", EXCEPTION, 5, &exception),
        Prompt,
        invalid,
    );
    t.run()
}

/// A small deterministic generator (SplitMix64), so every run sends the same bytes.
struct Rng(u64);

impl Rng {
    fn seeded(case: &str, combo: Combo) -> Rng {
        // FNV-1a over the names: a fixed seed per case and combination.
        let mut h = 0xcbf2_9ce4_8422_2325u64;
        for b in format!("{case}/{combo}").bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        Rng(h)
    }

    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    pub(crate) fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

fn random_garbage(c: &Ctx<'_>) -> CaseResult {
    let mut rng = Rng::seeded("garbage", c.combo);
    let mut t = Inputs::new(c);
    for i in 0..100 {
        let len = 1 + rng.below(600);
        let mut garbage = rng.bytes(len);
        // Half of them start like a real message, so they get past the first byte.
        if i % 2 == 0 {
            let start = c.p().header(b"testString", CALL, 1);
            let n = rng.below(start.len());
            garbage.splice(0..0, start[..n].iter().copied());
        }
        // Framed: half in a frame of the right size, half raw.
        if c.framed() && i % 4 < 2 {
            t.message(format!("garbage #{i}"), &garbage, Eof, AnyThenClosed);
        } else {
            t.raw(format!("garbage #{i}"), garbage, Eof, AnyThenClosed);
        }
    }
    t.run()
}

fn mutated_calls(c: &Ctx<'_>) -> CaseResult {
    let p = c.p();
    let mut rng = Rng::seeded("mutated", c.combo);
    let seeds = [
        p.test_string(1, "hostile"),
        p.test_struct(2),
        p.test_nest(3),
        p.test_list(4),
        p.test_map(5),
    ];
    let interesting = [
        0x00u8, 0x01, 0x7f, 0x80, 0xff, b'"', b'{', b'[', b',', b'\\',
    ];
    let mut t = Inputs::new(c);
    for i in 0..200 {
        let mut m = seeds[i % seeds.len()].clone();
        for _ in 0..1 + rng.below(4) {
            let at = rng.below(m.len());
            match rng.below(6) {
                0 => m[at] ^= 1 << rng.below(8),
                1 => m[at] = interesting[rng.below(interesting.len())],
                2 => m.insert(at, rng.next() as u8),
                3 if m.len() > 1 => {
                    m.remove(at);
                }
                4 => m.truncate(at.max(1)),
                _ => {
                    let end = (at + 1 + rng.below(8)).min(m.len());
                    let chunk = m[at..end].to_vec();
                    m.splice(at..at, chunk);
                }
            }
        }
        if c.framed() && i % 3 != 0 {
            t.message(format!("mutation #{i}"), &m, Eof, AnyThenClosed);
        } else {
            t.raw(format!("mutation #{i}"), m, Eof, AnyThenClosed);
        }
    }
    t.run()
}

fn slow_client(c: &Ctx<'_>) -> CaseResult {
    let wire = c.frame(&c.p().test_string(9, "a call sent one byte at a time"));
    let mut conn = c.server.connect().map_err(|e| format!("connect: {e}"))?;
    let start = Instant::now();
    let mut received = Vec::new();
    let mut closed_after = None;
    // One byte every 100 ms, for at most the message timeout plus 3 s; between bytes, watch
    // for the server closing.
    'trickle: for byte in wire.iter().cycle() {
        if start.elapsed() > MESSAGE_TIMEOUT + Duration::from_secs(3) {
            break;
        }
        if conn.write_all(&[*byte]).is_err() {
            closed_after = Some(start.elapsed());
            break;
        }
        let tick = Instant::now() + Duration::from_millis(100);
        let mut buf = [0u8; 4096];
        while let Some(left) = tick.checked_duration_since(Instant::now()) {
            let _ = conn.set_read_timeout(Some(left.max(Duration::from_millis(1))));
            match conn.read(&mut buf) {
                Ok(0) => {
                    closed_after = Some(start.elapsed());
                    break 'trickle;
                }
                Ok(n) => received.extend_from_slice(&buf[..n]),
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    break;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => {
                    closed_after = Some(start.elapsed());
                    break 'trickle;
                }
            }
        }
    }
    let Some(after) = closed_after else {
        return Err(format!(
            "still open {:?} after the first byte (message timeout {MESSAGE_TIMEOUT:?})",
            start.elapsed()
        ));
    };
    // Cut off by the message timeout: not before it, and not long after.
    if after < MESSAGE_TIMEOUT.mul_f64(0.9) || after > MESSAGE_TIMEOUT + Duration::from_secs(2) {
        return Err(format!(
            "cut off after {after:?}; the message timeout is {MESSAGE_TIMEOUT:?}"
        ));
    }
    let msgs = decode_all(c.combo, &received);
    if msgs
        .iter()
        .any(|m| !matches!(m, Msg::Exception(ApplicationErrorKind::ProtocolError, _)))
    {
        return Err(format!("answered {msgs:?}"));
    }
    Ok(Done::Pass)
}

fn abrupt_disconnects(c: &Ctx<'_>) -> CaseResult {
    let p = c.p();
    let call = c.frame(&p.test_struct(3));
    for i in 0..30 {
        let mut conn = c.server.connect().map_err(|e| format!("connect: {e}"))?;
        match i % 3 {
            // Half a message, then a reset (TCP) or close.
            0 => {
                let _ = conn.write_all(&call[..call.len() / 2]);
                conn.reset();
            }
            // A whole message and half of the next, then a reset.
            1 => {
                let _ = conn.write_all(&call);
                let _ = conn.write_all(&call[..call.len() - 1]);
                conn.reset();
            }
            // Nothing at all.
            _ => conn.reset(),
        }
    }
    Ok(Done::Pass)
}

fn disconnect_before_reply(c: &Ctx<'_>) -> CaseResult {
    let p = c.p();
    // A 512 KiB string whose echo the client never reads: the server's reply write fails.
    let big = "x".repeat(512 * 1024);
    let call = c.frame(&p.test_string(1, &big));
    for _ in 0..5 {
        let mut conn = c.server.connect().map_err(|e| format!("connect: {e}"))?;
        conn.write_all(&call).map_err(|e| format!("write: {e}"))?;
        conn.reset();
    }
    Ok(Done::Pass)
}

fn connection_flood(c: &Ctx<'_>) -> CaseResult {
    // 500 connections opened and closed at once, from 4 threads, within 10 s.
    let start = Instant::now();
    let errors = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| {
                for _ in 0..125 {
                    if start.elapsed() > Duration::from_secs(10) {
                        break;
                    }
                    if let Err(e) = c.server.connect() {
                        errors.lock().unwrap().push(e.to_string());
                    }
                }
            });
        }
    });
    let errors = errors.into_inner().unwrap();
    if errors.is_empty() {
        Ok(Done::Pass)
    } else {
        Err(format!(
            "{} connects failed: {:?}",
            errors.len(),
            &errors[..errors.len().min(3)]
        ))
    }
}

fn call_flood(c: &Ctx<'_>) -> CaseResult {
    // 8 connections at once, each writing 250 calls in one go and then reading 250 replies,
    // in order, within 10 s.
    const CALLS: i32 = 250;
    let p = c.p();
    let errors = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for t in 0..8 {
            let errors = &errors;
            scope.spawn(move || {
                let result = (|| {
                    let mut conn = c.server.connect().map_err(|e| format!("connect: {e}"))?;
                    let wire: Vec<u8> = (0..CALLS)
                        .flat_map(|i| c.frame(&p.test_i32(i, t * 1000 + i)))
                        .collect();
                    conn.write_all(&wire).map_err(|e| format!("write: {e}"))?;
                    let msgs =
                        read_messages(c.combo, &mut conn, CALLS as usize, Duration::from_secs(10))?;
                    for (i, m) in msgs.iter().enumerate() {
                        let i = i as i32;
                        let want = Msg::Reply {
                            seqid: i,
                            value: Some(Value::I32(t * 1000 + i)),
                        };
                        if *m != want {
                            return Err(format!("reply {i}: {m:?}"));
                        }
                    }
                    Ok(())
                })();
                if let Err(e) = result {
                    errors.lock().unwrap().push(format!("connection {t}: {e}"));
                }
            });
        }
    });
    let errors = errors.into_inner().unwrap();
    if errors.is_empty() {
        Ok(Done::Pass)
    } else {
        Err(errors.join("; "))
    }
}
