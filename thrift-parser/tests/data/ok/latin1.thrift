// Latin-1 in a comment: café
struct Legacy { 1: string name }
