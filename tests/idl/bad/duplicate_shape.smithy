// expect: 7:6: error: duplicate shape 'Foo' (first defined at line 5)
$version: "2"
namespace test.bad

structure Foo {}

list Foo {
    member: String
}
