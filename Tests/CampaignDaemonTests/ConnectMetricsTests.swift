import Foundation
import Scheduler
import Testing
@testable import CampaignDaemon

@Suite struct ConnectMetricsTests {
    @Test func theMetricsShowConnectedCallsAndFreeSlotsPerCampaign() throws {
        let directory = try Workspace()
        let store = try QueueStore(dataDirectory: directory.path + "/var")
        let dispatch = DispatchMetrics()
        let metrics = RunMetrics()
        #expect(!metrics.exposition(dispatch: dispatch, store: store).contains("campaignd_connect_"))
        dispatch.connectStatus([
            ConnectPacingStatus(campaignID: "sales", connected: 7, freeSlots: 18, waiting: 12, ratio: 1.5, ceiling: 2,
                                abandonment: AbandonmentStats(people: 400, abandoned: 6, peopleLast30Days: 200, abandonedLast30Days: 5)),
        ])
        let lines = metrics.exposition(dispatch: dispatch, store: store).split(separator: "\n").map(String.init)
        #expect(lines.contains("# TYPE campaignd_connect_calls gauge"))
        #expect(lines.contains("campaignd_connect_calls{campaign=\"sales\"} 7"))
        #expect(lines.contains("campaignd_connect_free_slots{campaign=\"sales\"} 18"))
        #expect(lines.contains("campaignd_connect_waiting_calls{campaign=\"sales\"} 12"))
        #expect(lines.contains("campaignd_connect_dial_ratio{campaign=\"sales\"} 1.500"))
        #expect(lines.contains("campaignd_connect_abandon_rate{campaign=\"sales\"} 0.0250"))
    }

    @Test func cdrAsCSVEndsWithTheConnectColumns() {
        let header = CDRCommand.csvColumns.joined(separator: ",")
        #expect(header.hasSuffix(",connectTarget,connectSipCode,connectAnswerMs,connectedSec,abandoned"))
        let abandoned = #"{"outboundCall":true,"cdrSeq":3,"cdrId":"x","campaignId":"sales","reasonCode":"abandoned","connectTarget":"sip:agents@pbx.example","connectSipCode":486,"connectAnswerMs":null,"connectedSec":null,"abandoned":true}"#
        let line = CDRCommand.csvLine(Data(abandoned.utf8)[...])
        #expect(line.hasSuffix(",sip:agents@pbx.example,486,,,true"), "\(line)")
        let taken = #"{"outboundCall":true,"cdrSeq":4,"cdrId":"y","campaignId":"sales","connectTarget":"sip:agents@pbx.example","connectSipCode":200,"connectAnswerMs":650,"connectedSec":42.125,"abandoned":false}"#
        #expect(CDRCommand.csvLine(Data(taken.utf8)[...]).hasSuffix(",sip:agents@pbx.example,200,650,42.125,false"))
    }
}
