// expect: 8:5: error: member 'a' of Foo has @n(1) but is member 0 (numbers must be 0..count-1 in declaration order)
$version: "2"
namespace test.bad
use stratus.model#n

structure Foo {
    @n(1)
    a: String
    @n(0)
    b: String
}
