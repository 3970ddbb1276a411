/// RouterConfig: `fleetrouter`'s configuration, free of event loops and sockets.
///
/// uWSGI router options (command line, `--ini`, `--yaml`) go through one option table
/// (`OptionTable`, one entry per option, grouped by router family) into a
/// `RouterConfiguration`: process-wide settings plus one `RouterSpec` per router, each with
/// its listeners (`ListenAddress`, over RouterWire's `UwsgiAddress`). `ConfigurationValidator`
/// refuses contradictions, `RouterConfiguration.helpText()` renders `--help` from the same
/// table, and `UnappliedOptions` lists the accepted options this runtime does not carry out.
/// What configuration knows about each router kind (help heading, listener hint, its own
/// checks) is in `Kinds/` (`RouterKindRules`, one file per kind); mappers are named with
/// RouterCore's `MapperKind`, the one the running router uses.
/// `RouterRuntime` turns a configuration into running listeners and servers.
public enum RouterConfig {}
