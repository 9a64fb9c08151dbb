typedef list<Nested> Nested
typedef map<string, set<Other>> Mutual
typedef list<Mutual> Other
typedef list<Fine> Fines
typedef i32 Fine
