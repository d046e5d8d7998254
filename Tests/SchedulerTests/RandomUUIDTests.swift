import Foundation
import Testing
@testable import Scheduler

@Suite struct RandomUUIDTests {
    @Test func idsAreVersion4UUIDsInLowerCaseAndDoNotRepeat() throws {
        var seen = Set<String>()
        for _ in 0..<2_000 {
            let id = RandomUUID.string()
            let parsed = try #require(UUID(uuidString: id), "\(id) is not a UUID")
            #expect(parsed.uuidString.lowercased() == id)
            let bytes = parsed.uuid
            #expect(bytes.6 >> 4 == 4, "version of \(id)")
            #expect(bytes.8 >> 6 == 0b10, "variant of \(id)")
            seen.insert(id)
        }
        #expect(seen.count == 2_000)
    }
}
