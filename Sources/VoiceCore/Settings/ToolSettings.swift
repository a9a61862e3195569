/// The `tools:` section of the config: what the model may call.
///
/// Three kinds of tools (issue 8):
/// - server-side tools xAI runs itself (web search, X search, file search, remote MCP servers);
/// - built-in device tools the daemon runs (volume, mute, stop, voice, status, local time);
/// - configured tools: a program (argv, never a shell) or an HTTP POST, given the call's arguments as JSON.
///
/// Every key has a default; a missing key takes it. Decoding refuses what would break the session: a
/// configured tool named like a server-side tool (the first response fails, reference §2), an invalid or
/// duplicate name, an action that is missing or ambiguous.
public struct ToolSettings: Sendable, Equatable, Codable {
    /// The built-in device tools (set_volume, change_volume, mute, unmute, stop, set_voice, device_status,
    /// local_time).
    public var deviceTools: Bool = true
    public var webSearch = WebSearchSettings()
    public var xSearch = XSearchSettings()
    public var fileSearch = FileSearchSettings()
    /// Remote MCP servers xAI calls on the model's behalf.
    public var mcpServers: [MCPServerSettings] = []
    /// Functions the daemon runs: a program or an HTTP POST.
    public var functions: [ConfiguredTool] = []
    /// Arguments longer than this (bytes of JSON) are refused with an error output, never run.
    public var maximumArgumentBytes: Int = 65_536

    public init() {}

    /// Names the service reserves for its own tools: a client function with one of these names breaks the
    /// first `response.create` (reference §2, "Reserved names").
    public static let reservedNames: Set<String> = [
        "web_search", "browse_page", "x_keyword_search", "x_semantic_search", "x_user_search", "x_thread_fetch",
        "file_search", "collections_search",
    ]

    /// The built-in device tools' names, which configured tools may not reuse while `device_tools` is on.
    public static let deviceToolNames: [String] = [
        "set_volume", "change_volume", "mute", "unmute", "stop", "set_voice", "device_status", "local_time",
    ]

    enum CodingKeys: String, CodingKey {
        case deviceTools = "device_tools"
        case webSearch = "web_search"
        case xSearch = "x_search"
        case fileSearch = "file_search"
        case mcpServers = "mcp_servers"
        case functions
        case maximumArgumentBytes = "max_argument_bytes"
    }

    public init(from decoder: any Decoder) throws {
        self.init()
        let container = try decoder.container(keyedBy: CodingKeys.self)
        deviceTools = try container.decodeIfPresent(Bool.self, forKey: .deviceTools) ?? deviceTools
        webSearch = try container.decodeIfPresent(WebSearchSettings.self, forKey: .webSearch) ?? webSearch
        xSearch = try container.decodeIfPresent(XSearchSettings.self, forKey: .xSearch) ?? xSearch
        fileSearch = try container.decodeIfPresent(FileSearchSettings.self, forKey: .fileSearch) ?? fileSearch
        mcpServers = try container.decodeIfPresent([MCPServerSettings].self, forKey: .mcpServers) ?? mcpServers
        functions = try container.decodeIfPresent([ConfiguredTool].self, forKey: .functions) ?? functions
        maximumArgumentBytes =
            try container.decodeIfPresent(Int.self, forKey: .maximumArgumentBytes) ?? maximumArgumentBytes
        let problems = validationProblems()
        if !problems.isEmpty {
            throw DecodingError.dataCorrupted(
                .init(codingPath: container.codingPath, debugDescription: problems.joined(separator: "; "))
            )
        }
    }

    /// Problems a person must fix in the config, one sentence each (empty when valid).
    public func validationProblems() -> [String] {
        var problems: [String] = []
        var seen = Set<String>()
        for (index, tool) in functions.enumerated() {
            let label = "tools.functions[\(index)]"
            if Self.reservedNames.contains(tool.name) {
                problems.append(
                    "\(label): the name '\(tool.name)' is reserved for xAI's server-side tools and would make the "
                        + "first response fail; rename the function"
                )
            } else if !Self.isValidFunctionName(tool.name) {
                problems.append(
                    "\(label): the name '\(tool.name)' is not valid; use 1 to 64 letters, digits, '_' or '-'"
                )
            } else if deviceTools && Self.deviceToolNames.contains(tool.name) {
                problems.append(
                    "\(label): '\(tool.name)' is a built-in device tool; rename the function or set "
                        + "tools.device_tools: false"
                )
            }
            if !seen.insert(tool.name).inserted {
                problems.append("\(label): the name '\(tool.name)' is used twice; function names must be unique")
            }
            problems += tool.action.problems(label: label)
        }
        for (index, server) in mcpServers.enumerated() {
            if !(server.url.hasPrefix("https://") || server.url.hasPrefix("http://")) {
                problems.append("tools.mcp_servers[\(index)].url must be an http:// or https:// URL")
            }
        }
        if !webSearch.allowedDomains.isEmpty && !webSearch.excludedDomains.isEmpty {
            problems.append("tools.web_search: set allowed_domains or excluded_domains, not both")
        }
        if webSearch.allowedDomains.count > 5 || webSearch.excludedDomains.count > 5 {
            problems.append("tools.web_search: at most 5 allowed or excluded domains")
        }
        if !xSearch.allowedHandles.isEmpty && !xSearch.excludedHandles.isEmpty {
            problems.append("tools.x_search: set allowed_handles or excluded_handles, not both")
        }
        if xSearch.allowedHandles.count > 20 || xSearch.excludedHandles.count > 20 {
            problems.append("tools.x_search: at most 20 allowed or excluded handles")
        }
        if fileSearch.maximumResults < 0 {
            problems.append("tools.file_search.max_num_results must be 0 (the service's default) or more")
        }
        if maximumArgumentBytes < 64 {
            problems.append("tools.max_argument_bytes must be at least 64, not \(maximumArgumentBytes)")
        }
        return problems
    }

    /// 1 to 64 of `[A-Za-z0-9_-]`, the function names the realtime APIs accept.
    public static func isValidFunctionName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard (1...64).contains(bytes.count) else { return false }
        return bytes.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x5F || byte == 0x2D
        }
    }
}

/// xAI's web search.
public struct WebSearchSettings: Sendable, Equatable, Codable {
    public var enabled = false
    /// At most 5; exclusive with `excludedDomains`.
    public var allowedDomains: [String] = []
    public var excludedDomains: [String] = []

    public init() {}

    enum CodingKeys: String, CodingKey {
        case enabled
        case allowedDomains = "allowed_domains"
        case excludedDomains = "excluded_domains"
    }

    public init(from decoder: any Decoder) throws {
        self.init()
        let container = try decoder.container(keyedBy: CodingKeys.self)
        enabled = try container.decodeIfPresent(Bool.self, forKey: .enabled) ?? enabled
        allowedDomains = try container.decodeIfPresent([String].self, forKey: .allowedDomains) ?? allowedDomains
        excludedDomains = try container.decodeIfPresent([String].self, forKey: .excludedDomains) ?? excludedDomains
    }
}

/// xAI's X (Twitter) search.
public struct XSearchSettings: Sendable, Equatable, Codable {
    public var enabled = false
    /// At most 20; exclusive with `excludedHandles`.
    public var allowedHandles: [String] = []
    public var excludedHandles: [String] = []
    /// `YYYY-MM-DD`; empty: no limit.
    public var fromDate = ""
    public var toDate = ""

    public init() {}

    enum CodingKeys: String, CodingKey {
        case enabled
        case allowedHandles = "allowed_handles"
        case excludedHandles = "excluded_handles"
        case fromDate = "from_date"
        case toDate = "to_date"
    }

    public init(from decoder: any Decoder) throws {
        self.init()
        let container = try decoder.container(keyedBy: CodingKeys.self)
        enabled = try container.decodeIfPresent(Bool.self, forKey: .enabled) ?? enabled
        allowedHandles = try container.decodeIfPresent([String].self, forKey: .allowedHandles) ?? allowedHandles
        excludedHandles = try container.decodeIfPresent([String].self, forKey: .excludedHandles) ?? excludedHandles
        fromDate = try container.decodeIfPresent(String.self, forKey: .fromDate) ?? fromDate
        toDate = try container.decodeIfPresent(String.self, forKey: .toDate) ?? toDate
    }
}

/// xAI's search over the team's collections (vector stores); on when `vectorStoreIDs` is not empty.
public struct FileSearchSettings: Sendable, Equatable, Codable {
    public var vectorStoreIDs: [String] = []
    /// 0: the service's default.
    public var maximumResults = 0

    public init() {}

    enum CodingKeys: String, CodingKey {
        case vectorStoreIDs = "vector_store_ids"
        case maximumResults = "max_num_results"
    }

    public init(from decoder: any Decoder) throws {
        self.init()
        let container = try decoder.container(keyedBy: CodingKeys.self)
        vectorStoreIDs = try container.decodeIfPresent([String].self, forKey: .vectorStoreIDs) ?? vectorStoreIDs
        maximumResults = try container.decodeIfPresent(Int.self, forKey: .maximumResults) ?? maximumResults
    }
}

/// A remote MCP server xAI calls on the model's behalf.
public struct MCPServerSettings: Sendable, Equatable, Codable {
    public var url = ""
    public var label = ""
    public var description = ""
    /// Empty: every tool the server lists.
    public var allowedTools: [String] = []
    /// Sent by xAI to the server (e.g. "Bearer …"); empty: none.
    public var authorization = ""
    public var headers: [String: String] = [:]

    public init(url: String = "", label: String = "") {
        self.url = url
        self.label = label
    }

    enum CodingKeys: String, CodingKey {
        case url, label, description, authorization, headers
        case allowedTools = "allowed_tools"
    }

    public init(from decoder: any Decoder) throws {
        self.init()
        let container = try decoder.container(keyedBy: CodingKeys.self)
        url = try container.decode(String.self, forKey: .url)
        label = try container.decodeIfPresent(String.self, forKey: .label) ?? label
        description = try container.decodeIfPresent(String.self, forKey: .description) ?? description
        allowedTools = try container.decodeIfPresent([String].self, forKey: .allowedTools) ?? allowedTools
        authorization = try container.decodeIfPresent(String.self, forKey: .authorization) ?? authorization
        headers = try container.decodeIfPresent([String: String].self, forKey: .headers) ?? headers
    }
}

/// A function the daemon runs when the model calls it.
public struct ConfiguredTool: Sendable, Equatable, Codable {
    public var name: String
    public var description: String
    /// The JSON Schema of the arguments (YAML or inline JSON in the config).
    public var parameters: FreeFormValue
    public var action: ToolAction

    public init(name: String, description: String = "", parameters: FreeFormValue? = nil, action: ToolAction) {
        self.name = name
        self.description = description
        self.parameters = parameters ?? Self.emptyObjectSchema
        self.action = action
    }

    /// `{"type":"object","properties":{}}`: a function without arguments.
    public static let emptyObjectSchema: FreeFormValue = .object([
        "type": .string("object"), "properties": .object([:]),
    ])

    enum CodingKeys: String, CodingKey {
        case name, description, parameters, program
        case httpPost = "http_post"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        description = try container.decodeIfPresent(String.self, forKey: .description) ?? ""
        parameters = try container.decodeIfPresent(FreeFormValue.self, forKey: .parameters) ?? Self.emptyObjectSchema
        let program = try container.decodeIfPresent(ProgramAction.self, forKey: .program)
        let post = try container.decodeIfPresent(HTTPPostAction.self, forKey: .httpPost)
        switch (program, post) {
        case (let program?, nil): action = .program(program)
        case (nil, let post?): action = .httpPost(post)
        case (nil, nil):
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: container.codingPath,
                    debugDescription: "function '\(name)' needs a program: or an http_post: action")
            )
        case (.some, .some):
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: container.codingPath,
                    debugDescription: "function '\(name)' has both program: and http_post:; keep one")
            )
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(description, forKey: .description)
        try container.encode(parameters, forKey: .parameters)
        switch action {
        case .program(let program): try container.encode(program, forKey: .program)
        case .httpPost(let post): try container.encode(post, forKey: .httpPost)
        }
    }
}

/// What a configured tool does.
public enum ToolAction: Sendable, Equatable {
    case program(ProgramAction)
    case httpPost(HTTPPostAction)

    func problems(label: String) -> [String] {
        switch self {
        case .program(let program):
            var problems: [String] = []
            if program.argv.isEmpty {
                problems.append("\(label).program.argv is empty; give the program's absolute path and its arguments")
            } else if !program.argv[0].hasPrefix("/") {
                problems.append(
                    "\(label).program.argv[0] '\(program.argv[0])' must be an absolute path (no shell, no PATH search)"
                )
            }
            if !(1...600_000).contains(program.timeoutMs) {
                problems.append("\(label).program.timeout_ms must be from 1 to 600000, not \(program.timeoutMs)")
            }
            if program.maximumOutputBytes < 1 {
                problems.append("\(label).program.max_output_bytes must be at least 1")
            }
            return problems
        case .httpPost(let post):
            var problems: [String] = []
            if !(post.url.hasPrefix("http://") || post.url.hasPrefix("https://")) {
                problems.append("\(label).http_post.url '\(post.url)' must start with http:// or https://")
            }
            if !(1...600_000).contains(post.timeoutMs) {
                problems.append("\(label).http_post.timeout_ms must be from 1 to 600000, not \(post.timeoutMs)")
            }
            if post.maximumResponseBytes < 1 {
                problems.append("\(label).http_post.max_response_bytes must be at least 1")
            }
            return problems
        }
    }
}

/// Run a program: `argv[0]` is an absolute path; the arguments arrive as JSON on standard input; standard
/// output is the result. Never run through a shell.
public struct ProgramAction: Sendable, Equatable, Codable {
    public var argv: [String]
    /// The program's process group is killed after this long.
    public var timeoutMs = 5_000
    /// Output beyond this ends the program (its process group is killed) and the call fails.
    public var maximumOutputBytes = 65_536

    public init(argv: [String], timeoutMs: Int = 5_000, maximumOutputBytes: Int = 65_536) {
        self.argv = argv
        self.timeoutMs = timeoutMs
        self.maximumOutputBytes = maximumOutputBytes
    }

    enum CodingKeys: String, CodingKey {
        case argv
        case timeoutMs = "timeout_ms"
        case maximumOutputBytes = "max_output_bytes"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        argv = try container.decode([String].self, forKey: .argv)
        timeoutMs = try container.decodeIfPresent(Int.self, forKey: .timeoutMs) ?? timeoutMs
        maximumOutputBytes = try container.decodeIfPresent(Int.self, forKey: .maximumOutputBytes) ?? maximumOutputBytes
    }
}

/// POST the arguments as JSON to a URL (e.g. a Home Assistant webhook); the response body is the result.
public struct HTTPPostAction: Sendable, Equatable, Codable {
    public var url: String
    /// Extra request headers (e.g. `Authorization`).
    public var headers: [String: String] = [:]
    public var timeoutMs = 5_000
    /// A longer response body fails the call.
    public var maximumResponseBytes = 65_536

    public init(
        url: String, headers: [String: String] = [:], timeoutMs: Int = 5_000, maximumResponseBytes: Int = 65_536
    ) {
        self.url = url
        self.headers = headers
        self.timeoutMs = timeoutMs
        self.maximumResponseBytes = maximumResponseBytes
    }

    enum CodingKeys: String, CodingKey {
        case url, headers
        case timeoutMs = "timeout_ms"
        case maximumResponseBytes = "max_response_bytes"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        url = try container.decode(String.self, forKey: .url)
        headers = try container.decodeIfPresent([String: String].self, forKey: .headers) ?? headers
        timeoutMs = try container.decodeIfPresent(Int.self, forKey: .timeoutMs) ?? timeoutMs
        maximumResponseBytes =
            try container.decodeIfPresent(Int.self, forKey: .maximumResponseBytes) ?? maximumResponseBytes
    }
}

/// Any JSON/YAML value, for settings whose shape the daemon does not own (a tool's parameter schema).
public typealias FreeFormValue = JSONValue
