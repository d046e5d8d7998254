import Foundation
import Scheduler
import Telephony

/// `amd FILE.wav... [--labels labels.csv] [--json]`: answering-machine detection on recordings.
enum AMDCommand {
    static func run(_ context: CommandContext) throws(CLIError) {
        let arguments = try CommandArguments(context.invocation.arguments, command: "amd", flags: ["--json"], valued: ["--labels", "--set"])
        guard !arguments.positionals.isEmpty else { throw .usage("give one or more WAV files to analyse", command: "amd") }
        let json = arguments.flags.contains("--json")
        let labels = try arguments.values["--labels"].map(readLabels) ?? [:]
        var configuration = AMDConfiguration()
        for assignment in (arguments.values["--set"] ?? "").split(separator: ",") {
            let parts = assignment.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, let value = Double(parts[1]),
                  let tunable = AMDTunable(rawValue: parts[0]) else {
                throw .usage("--set takes NAME=VALUE[,NAME=VALUE...] with names "
                    + AMDTunable.allCases.map(\.rawValue).joined(separator: ", "), command: "amd")
            }
            guard tunable.range.contains(value) else {
                throw .usage("\(tunable.rawValue) must be within \(tunable.range.lowerBound)...\(tunable.range.upperBound)", command: "amd")
            }
            configuration[tunable] = value
        }
        var results: [AMDEvaluation.Result] = []
        var unreadable = false
        for path in arguments.positionals {
            let audio: WAVAudio
            do {
                audio = try WAVAudio(contentsOfFile: path)
            } catch {
                Console.error("campaignd: \(error)")
                unreadable = true
                continue
            }
            let file = (path as NSString).lastPathComponent
            let result = AMDEvaluation.Result(file: file, events: AMDEvaluation.analyse(audio.samples, configuration: configuration))
            results.append(result)
            Console.out(json ? jsonLine(result) : textLine(result, label: labels[file]))
        }
        if !labels.isEmpty {
            let summary = AMDEvaluation.summarize(results, labels: labels)
            if json { Console.out(jsonSummary(summary)) } else { printSummary(summary) }
        }
        if unreadable { throw .invalidInput }
    }

    static func readLabels(_ path: String) throws(CLIError) -> [String: AMDEvaluation.Label] {
        guard let data = FileManager.default.contents(atPath: path) else { throw .failure("cannot read labels file \(path)") }
        var labels: [String: AMDEvaluation.Label] = [:]
        do {
            var reader = try CSVReader(bytes: [UInt8](data))
            guard let header = try reader.next() else { throw CLIError.failure("\(path) is empty") }
            func column(_ name: String) throws(CLIError) -> Int {
                guard let index = header.fields.firstIndex(of: name) else {
                    throw .failure("\(path):1: no \"\(name)\" column (expected file,label,speech_end_s,beep_at_s)")
                }
                return index
            }
            let file = try column("file"), label = try column("label")
            let end = header.fields.firstIndex(of: "speech_end_s"), beep = header.fields.firstIndex(of: "beep_at_s")
            while let record = try reader.next() {
                func field(_ index: Int?) -> String? {
                    guard let index, index < record.fields.count, !record.fields[index].isEmpty else { return nil }
                    return record.fields[index]
                }
                guard let name = field(file), let kind = field(label) else {
                    throw CLIError.failure("\(path):\(record.line): file and label are required")
                }
                guard ["human", "machine", "fax", "silence"].contains(kind) else {
                    throw CLIError.failure("\(path):\(record.line): label \"\(kind)\" is not human, machine, fax or silence")
                }
                labels[name] = AMDEvaluation.Label(label: kind, speechEndSeconds: field(end).flatMap(Double.init),
                                                   beepSeconds: field(beep).flatMap(Double.init))
            }
        } catch let error as CSVReader.SyntaxError {
            throw .failure("\(path):\(error)")
        } catch let error as CLIError {
            throw error
        } catch {
            throw .failure("\(path): \(error)")
        }
        return labels
    }

    static func textLine(_ result: AMDEvaluation.Result, label: AMDEvaluation.Label?) -> String {
        var line = result.file + "  " + (result.verdict.map { verdict in
            var text = verdict.kind.rawValue
            if let reason = verdict.reason {
                text += " (" + reason.rawValue + (verdict.frequenciesHz.isEmpty ? "" : " " + verdict.frequenciesHz.map(String.init).joined(separator: "/") + " Hz") + ")"
            }
            return text + " at \(verdict.timeMs) ms" + (verdict.detail.map { " [\($0)]" } ?? "")
        } ?? "no verdict")
        if let beep = result.beep { line += ", beep \(beep.frequencyHz ?? 0) Hz at \(beep.timeMs) ms" }
        if let label, result.verdict?.kind != label.expectedVerdict { line += "  (labelled \(label.label))" }
        return line
    }

    static func jsonLine(_ result: AMDEvaluation.Result) -> String {
        var out = "{\"file\":"
        JSONNode.appendQuoted(result.file, to: &out)
        out += ",\"verdict\":" + (result.verdict.map { "\"\($0.kind.rawValue)\"" } ?? "null")
        out += ",\"decisionMs\":" + (result.verdict.map { String($0.timeMs) } ?? "null")
        out += ",\"beepMs\":" + (result.beep.map { String($0.timeMs) } ?? "null")
        out += ",\"events\":["
        out += result.events.map { event in
            var item = "{\"event\":\"\(event.kind.rawValue)\",\"timeMs\":\(event.timeMs)"
            if let hz = event.frequencyHz { item += ",\"frequencyHz\":\(hz)" }
            if let reason = event.reason { item += ",\"reason\":\"\(reason.rawValue)\"" }
            if !event.frequenciesHz.isEmpty { item += ",\"frequenciesHz\":[" + event.frequenciesHz.map(String.init).joined(separator: ",") + "]" }
            if let detail = event.detail {
                item += ",\"detail\":"
                JSONNode.appendQuoted(detail, to: &item)
            }
            return item + "}"
        }.joined(separator: ",")
        return out + "]}"
    }

    static func printSummary(_ summary: AMDEvaluation.Summary) {
        let verdicts = ["human", "machine", "fax", "silence", "timeout", "none"]
        Console.out("")
        Console.out("label \\ verdict ".padding(toLength: 16, withPad: " ", startingAt: 0)
            + verdicts.map { $0.padding(toLength: 9, withPad: " ", startingAt: 0) }.joined(separator: " "))
        for label in summary.labels where summary.confusion[label] != nil {
            let row = verdicts.map { String(summary.confusion[label]?[$0] ?? 0).padding(toLength: 9, withPad: " ", startingAt: 0) }
            Console.out(label.padding(toLength: 16, withPad: " ", startingAt: 0) + row.joined(separator: " "))
        }
        Console.out("")
        Console.out(String(format: "human/machine accuracy: %.1f%% (%d of %d)", summary.accuracy * 100,
                           summary.humanMachineCorrect, summary.humanMachineTotal))
        Console.out(String(format: "humans called machines: %.1f%% (%d of %d)", summary.humansCalledMachinesShare * 100,
                           summary.humansCalledMachines, summary.humans))
        Console.out("fax and silence right: \(summary.faxAndSilenceCorrect) of \(summary.faxAndSilenceTotal)")
        func ms(_ value: Int?) -> String { value.map { "\($0) ms" } ?? "-" }
        Console.out("human decision after answer: median \(ms(AMDEvaluation.percentile(summary.humanDecisionAfterAnswer, 0.5))), "
            + "p90 \(ms(AMDEvaluation.percentile(summary.humanDecisionAfterAnswer, 0.9)))")
        Console.out("human decision after greeting end: median \(ms(AMDEvaluation.percentile(summary.humanDecisionAfterGreeting, 0.5))), "
            + "p90 \(ms(AMDEvaluation.percentile(summary.humanDecisionAfterGreeting, 0.9)))")
        Console.out("beeps reported: \(summary.beepDelays.count) of \(summary.beepsLabelled), after the beep's start: "
            + "median \(ms(AMDEvaluation.percentile(summary.beepDelays, 0.5))), max \(ms(summary.beepDelays.max()))")
        for mistake in summary.mistakes {
            Console.out("wrong: \(mistake.file) labelled \(mistake.label), judged \(mistake.verdict)")
        }
    }

    static func jsonSummary(_ summary: AMDEvaluation.Summary) -> String {
        func number(_ value: Int?) -> String { value.map(String.init) ?? "null" }
        let confusion = summary.labels.compactMap { label -> String? in
            guard let row = summary.confusion[label] else { return nil }
            return "\"\(label)\":{" + row.keys.sorted().map { "\"\($0)\":\(row[$0] ?? 0)" }.joined(separator: ",") + "}"
        }.joined(separator: ",")
        return "{\"summary\":{\"files\":\(summary.humanMachineTotal + summary.faxAndSilenceTotal),\"confusion\":{\(confusion)}"
            + String(format: ",\"accuracy\":%.4f,\"humansCalledMachines\":%.4f", summary.accuracy, summary.humansCalledMachinesShare)
            + ",\"faxAndSilenceCorrect\":\(summary.faxAndSilenceCorrect),\"faxAndSilenceTotal\":\(summary.faxAndSilenceTotal)"
            + ",\"humanDecisionAfterAnswerMs\":{\"median\":\(number(AMDEvaluation.percentile(summary.humanDecisionAfterAnswer, 0.5))),"
            + "\"p90\":\(number(AMDEvaluation.percentile(summary.humanDecisionAfterAnswer, 0.9)))}"
            + ",\"humanDecisionAfterGreetingMs\":{\"median\":\(number(AMDEvaluation.percentile(summary.humanDecisionAfterGreeting, 0.5))),"
            + "\"p90\":\(number(AMDEvaluation.percentile(summary.humanDecisionAfterGreeting, 0.9)))}"
            + ",\"beepsReported\":\(summary.beepDelays.count),\"beepsLabelled\":\(summary.beepsLabelled)"
            + ",\"beepDelayMs\":{\"median\":\(number(AMDEvaluation.percentile(summary.beepDelays, 0.5))),\"max\":\(number(summary.beepDelays.max()))}}}"
    }
}
