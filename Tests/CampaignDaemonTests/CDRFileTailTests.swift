import Foundation
import Testing
@testable import CampaignDaemon

/// `CDRFileTail.readLastLines` (what `GET /v1/cdrs?last=N` reads) against reading every line and
/// keeping the newest N, for every block size from 1 byte to more than a file, with lines longer
/// than a block, a line still being written, an empty file and the campaign filter.
@Suite struct CDRFileTailTests {
    func line(_ seq: Int, campaign: String, padding: Int = 0) -> String {
        #"{"outboundCall":true,"cdrSeq":\#(seq),"campaignId":"\#(campaign)","reason":"\#(String(repeating: "x", count: padding))","metadata":{"note":"spring"}}"#
    }

    @Test func theNewestLinesAreTheLastOfAllLinesForEveryBlockSize() throws {
        let directory = try Workspace()
        let cdr = directory.path + "/cdr"
        var seq = 0
        func lines(_ count: Int, _ campaign: (Int) -> String) -> String {
            (0..<count).map { _ in
                seq += 1
                return line(seq, campaign: campaign(seq), padding: seq % 7 == 0 ? 150 : seq % 5)
            }.joined(separator: "\n") + "\n"
        }
        try directory.write("cdr/cdr-2026-11-01.jsonl", lines(9) { $0 % 3 == 0 ? "spring" : "summer" })
        try directory.write("cdr/cdr-2026-11-02.jsonl", "")
        try directory.write("cdr/cdr-2026-11-03.jsonl", lines(6) { _ in "summer" })
        // The newest file ends with a line the writer has not finished.
        try directory.write("cdr/cdr-2026-11-04.jsonl", lines(4) { $0 % 2 == 0 ? "spring" : "summer" } + #"{"outboundCall":true,"cdrSeq":99,"campa"#)
        try directory.write("cdr/notes.txt", "not a CDR file\n")

        var allOffsets: [String: UInt64] = [:]
        let all = CDRFileTail.readNewLines(in: cdr, offsets: &allOffsets)
        #expect(all.count == 19)
        for campaign in [nil, "spring", "summer", "autumn"] {
            let filter = CDRCommand.Filter(campaign: campaign, since: nil)
            let matching = all.filter(filter.accepts)
            for count in [1, 2, 5, 20, 100] {
                let expected = matching.suffix(count).map { String(decoding: $0, as: UTF8.self) }
                for blockSize in [1, 2, 3, 7, 64, 100, 151, 200, 4096, 65_536] {
                    let (lines, offsets) = CDRFileTail.readLastLines(in: cdr, count: count, blockSize: blockSize, accepts: filter.accepts)
                    #expect(lines.map { String(decoding: $0, as: UTF8.self) } == expected,
                            "campaign \(campaign ?? "any"), last \(count), blocks of \(blockSize)")
                    #expect(offsets == allOffsets, "a follower goes on where a full read stopped: \(offsets)")
                }
            }
        }
        // Lines that name a campaign only inside their metadata are not its lines.
        #expect(all.filter(CDRCommand.Filter(campaign: "note", since: nil).accepts).isEmpty)
        #expect(CDRFileTail.readLastLines(in: directory.path + "/nothing", count: 5, accepts: { _ in true }).lines.isEmpty)
    }
}
