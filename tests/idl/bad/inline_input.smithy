// expect: 6:11: error: inline input/output structures (':=') are not supported
$version: "2"
namespace test.bad

operation Get {
    input := {
        key: String
    }
}
