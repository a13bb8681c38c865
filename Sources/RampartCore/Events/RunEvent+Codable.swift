/// `{"t": 12.5, "event": "gate", "data": {...}}`: a kind name plus its payload, so the run file
/// stays readable with `jq` and new kinds can be added without breaking old readers' parsing.
extension RunEvent: Codable {
    enum CodingKeys: String, CodingKey {
        case t, event, data
    }

    public var kindName: String {
        switch body {
        case .runStarted: "run_started"
        case .stage: "stage"
        case .buildStep: "build_step"
        case .gate: "gate"
        case .canaryStep: "canary_step"
        case .weight: "weight"
        case .metrics: "metrics"
        case .analysis: "analysis"
        case .operatorAction: "operator"
        case .notification: "notification"
        case .published: "published"
        case .router: "router"
        case .metricSource: "metric_source"
        case .dataPlane: "data_plane"
        case .observations: "observations"
        case .finished: "finished"
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(t, forKey: .t)
        try c.encode(kindName, forKey: .event)
        switch body {
        case .runStarted(let v): try c.encode(v, forKey: .data)
        case .stage(let v): try c.encode(v, forKey: .data)
        case .buildStep(let v): try c.encode(v, forKey: .data)
        case .gate(let v): try c.encode(v, forKey: .data)
        case .canaryStep(let v): try c.encode(v, forKey: .data)
        case .weight(let v): try c.encode(v, forKey: .data)
        case .metrics(let v): try c.encode(v, forKey: .data)
        case .analysis(let v): try c.encode(v, forKey: .data)
        case .operatorAction(let v): try c.encode(v, forKey: .data)
        case .notification(let v): try c.encode(v, forKey: .data)
        case .published(let v): try c.encode(v, forKey: .data)
        case .router(let v): try c.encode(v, forKey: .data)
        case .metricSource(let v): try c.encode(v, forKey: .data)
        case .dataPlane(let v): try c.encode(v, forKey: .data)
        case .observations(let v): try c.encode(v, forKey: .data)
        case .finished(let v): try c.encode(v, forKey: .data)
        }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        t = try c.decode(Double.self, forKey: .t)
        let kind = try c.decode(String.self, forKey: .event)
        switch kind {
        case "run_started": body = .runStarted(try c.decode(RunStarted.self, forKey: .data))
        case "stage": body = .stage(try c.decode(StageChange.self, forKey: .data))
        case "build_step": body = .buildStep(try c.decode(BuildStepResult.self, forKey: .data))
        case "gate": body = .gate(try c.decode(GateResult.self, forKey: .data))
        case "canary_step": body = .canaryStep(try c.decode(CanaryStepStarted.self, forKey: .data))
        case "weight": body = .weight(try c.decode(WeightChange.self, forKey: .data))
        case "metrics": body = .metrics(try c.decode(MetricsSnapshot.self, forKey: .data))
        case "analysis": body = .analysis(try c.decode(CanaryAnalysis.self, forKey: .data))
        case "operator": body = .operatorAction(try c.decode(OperatorAction.self, forKey: .data))
        case "notification": body = .notification(try c.decode(NotificationSent.self, forKey: .data))
        case "published": body = .published(try c.decode(MetricsPublished.self, forKey: .data))
        case "router": body = .router(try c.decode(RouterReport.self, forKey: .data))
        case "metric_source": body = .metricSource(try c.decode(MetricSourceReport.self, forKey: .data))
        case "observations": body = .observations(try c.decode(ObservationBatch.self, forKey: .data))
        case "data_plane": body = .dataPlane(try c.decode(DataPlaneStarted.self, forKey: .data))
        case "finished": body = .finished(try c.decode(RunFinished.self, forKey: .data))
        default:
            throw DecodingError.dataCorruptedError(forKey: .event, in: c, debugDescription: "unknown event kind '\(kind)'")
        }
    }
}
