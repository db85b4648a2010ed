// expect: 2:1: error: expected '$version: "2"' but found 'namespace'
namespace test.bad

structure Foo {}
