// expect: 6:15: error: unterminated string
$version: "2"
namespace test.bad
use stratus.model#wireName
structure Foo {
    @wireName("abc
    a: String
}
