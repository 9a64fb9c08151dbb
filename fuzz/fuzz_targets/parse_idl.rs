//! Feeds arbitrary bytes to the IDL front end (lexer, parser, resolver, renderer).
//! No input may panic or hang it.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut loader = thrift_parser::Loader::new();
    // Two in-memory files that include each other, so includes and cycles are exercised too.
    loader
        .add_source("fuzz.thrift", text)
        .add_source("other.thrift", "include \"fuzz.thrift\"\nstruct O {}");
    let loaded = loader.load(&["fuzz.thrift", "other.thrift"]);
    let _ = loaded.render_diagnostics();
    let _ = loaded.program.dump();
});
