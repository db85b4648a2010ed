// expect: 6:23: error: unknown shape 'Put'
$version: "2"
namespace test.bad

service Svc {
    operations: [Get, Put]
}

operation Get {}
