// expect: 6:14: error: unexpected character ';'
$version: "2"
namespace test.bad

structure Foo {
    a: String;
}
