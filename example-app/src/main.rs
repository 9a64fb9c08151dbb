//! The example application.
//!
//! Today it loads the example IDL (`idl/example.thrift` and what it includes) with
//! `thrift-parser` and prints what the code generator will see. The RPC example (a server and
//! a client over TCP and a Unix socket) replaces this once `thrift-build` generates code.

use std::path::Path;
use std::process::ExitCode;

use thrift_parser::ir::{DefKind, Program};

fn main() -> ExitCode {
    let idl = Path::new(env!("CARGO_MANIFEST_DIR")).join("../idl/example.thrift");
    let loaded = thrift_parser::Loader::new().load(&[&idl]);
    eprint!("{}", loaded.render_diagnostics());
    let Ok(program) = loaded.into_result() else {
        return ExitCode::FAILURE;
    };
    print_summary(&program);
    ExitCode::SUCCESS
}

fn print_summary(program: &Program) {
    for file in &program.files {
        println!(
            "{} ({} definitions)",
            program.path(file.id).display(),
            file.defs.len()
        );
        for &id in &file.defs {
            let def = program.def(id);
            match &def.kind {
                DefKind::Service(service) => {
                    println!("  service {} on channel {}", def.name, service.channel);
                    for function in &service.functions {
                        let returns = function
                            .returns
                            .as_ref()
                            .map_or("void".to_string(), |t| program.type_name(t));
                        let params: Vec<String> = function
                            .params
                            .iter()
                            .map(|p| format!("{}: {}", p.name, program.type_name(&p.ty)))
                            .collect();
                        let oneway = if function.oneway { "oneway " } else { "" };
                        println!(
                            "    {oneway}{}({}) -> {returns}",
                            function.name,
                            params.join(", ")
                        );
                    }
                }
                DefKind::Struct(s) => println!(
                    "  {} {} with {} fields",
                    s.kind.as_str(),
                    def.name,
                    s.fields.len()
                ),
                kind => println!("  {} {}", kind.describe(), def.name),
            }
        }
    }
}
