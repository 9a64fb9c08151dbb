namespace java com.example;
struct A {}
