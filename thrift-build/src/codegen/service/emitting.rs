//! [`Emitting`]: the service being emitted, which every emitter of a service artifact reads.

use thrift_parser::ir::{DefId, Service};

use crate::context::{Context, ServiceNames};
use crate::types::Here;

/// The service being emitted, and where: what every emitter of a service artifact reads.
#[derive(Clone, Copy)]
pub(super) struct Emitting<'a> {
    pub(super) cx: &'a Context<'a>,
    pub(super) def_id: DefId,
    pub(super) service: &'a Service,
    pub(super) names: &'a ServiceNames,
    pub(super) here: Here,
}

impl<'a> Emitting<'a> {
    /// Every part, for a `let` that names them.
    pub(super) fn parts(self) -> (&'a Context<'a>, DefId, &'a Service, &'a ServiceNames, Here) {
        (self.cx, self.def_id, self.service, self.names, self.here)
    }
}
