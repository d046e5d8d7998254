import Scheduler

/// `validate` and `import`: read campaign files, report every problem, import the valid ones.
enum CampaignFileCommands {
    static func validate(_ context: CommandContext) throws(CLIError) {
        let arguments = try CommandArguments(context.invocation.arguments, command: "validate")
        guard !arguments.positionals.isEmpty else { throw .usage("validate needs at least one FILE", command: "validate") }
        let validator = CampaignValidator(loader: CampaignLoader(context: try context.configuration().validationContext))
        var allValid = true
        for path in arguments.positionals {
            let outcome: Result<CampaignValidator.Summary, ValidationFailure>
            do {
                outcome = try validator.validateFile(at: path)
            } catch {
                throw .failure("\(path): cannot be validated: \(error)")
            }
            switch outcome {
            case .success(let summary):
                Console.out("\(path): valid, campaign \(summary.campaignID), \(summary.contactCount) contacts"
                    + duplicatesNote(summary.duplicateCount))
            case .failure(let failure):
                report(failure, for: path)
                allValid = false
            }
        }
        if !allValid { throw .invalidInput }
    }

    static func importFiles(_ context: CommandContext) throws(CLIError) {
        let arguments = try CommandArguments(context.invocation.arguments, command: "import")
        guard !arguments.positionals.isEmpty else { throw .usage("import needs at least one FILE", command: "import") }
        let configuration = try context.configuration()
        let loader = CampaignLoader(context: configuration.validationContext)
        let importer = CampaignImporter(loader: loader, store: try context.openStore(configuration))
        var allValid = true
        for path in arguments.positionals {
            let result: ImportResult
            do {
                switch try importer.importFile(at: path) {
                case .imported(let imported):
                    result = imported
                case .invalid(let failure):
                    report(failure, for: path)
                    Console.error("\(path): not imported")
                    allValid = false
                    continue
                }
            } catch {
                throw .failure("\(path): not imported: \(error)")
            }
            if let when = result.alreadyImportedAt {
                Console.out("\(path): already imported into campaign \(result.campaignID) at \(when); nothing to do")
                continue
            }
            var line = "\(path): \(result.campaignCreated ? "created" : "updated") campaign \(result.campaignID), "
                + "\(result.contactsAdded) contacts added"
            if result.contactsAlreadyPresent > 0 { line += ", \(result.contactsAlreadyPresent) already in the campaign" }
            if result.skippedDNC > 0 { line += ", \(result.skippedDNC) skipped (on the DNC list)" }
            Console.out(line + duplicatesNote(result.duplicatesInFile))
        }
        if !allValid { throw .invalidInput }
    }

    private static func report(_ failure: ValidationFailure, for path: String) {
        for diagnostic in failure.diagnostics { Console.error(diagnostic.description) }
        Console.error("\(path): \(failure.diagnostics.count) problem\(failure.diagnostics.count == 1 ? "" : "s")")
    }

    private static func duplicatesNote(_ count: Int) -> String {
        count == 0 ? "" : " (\(count) duplicate target\(count == 1 ? "" : "s") dropped)"
    }
}
