//! What the fuzz targets that serve calls answer with.

use thrift_rt::{MessageHeader, Processor, ProtocolReader, ProtocolWriter, Result, TType};

/// Reads a call's arguments and answers with an empty struct.
pub struct Skip;

impl Processor for Skip {
    fn process<R: ProtocolReader + ?Sized, W: ProtocolWriter + ?Sized>(
        &self,
        header: &MessageHeader,
        r: &mut R,
        w: &mut W,
    ) -> Result<()> {
        r.skip(TType::Struct)?;
        r.read_message_end()?;
        let reply = MessageHeader {
            name: header.name.as_str(),
            kind: thrift_rt::MessageType::Reply,
            seqid: header.seqid,
            channel: header.channel,
        };
        w.write_message_begin(&reply)?;
        w.write_struct_begin("reply")?;
        w.write_field_stop()?;
        w.write_struct_end()?;
        w.write_message_end()?;
        w.flush()
    }
}
