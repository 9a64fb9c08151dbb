/** Types shared by the example IDL files. */
namespace rs common

/** Milliseconds since the Unix epoch. */
typedef i64 Timestamp
