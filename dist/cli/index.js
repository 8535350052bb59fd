#!/usr/bin/env node
import { createRequire as __WEBPACK_EXTERNAL_createRequire } from "module";
var __webpack_exports__ = {};

;// CONCATENATED MODULE: external "node:crypto"
const external_node_crypto_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:crypto");
;// CONCATENATED MODULE: external "node:fs"
const external_node_fs_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:fs");
;// CONCATENATED MODULE: external "node:os"
const external_node_os_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:os");
;// CONCATENATED MODULE: external "node:path"
const external_node_path_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:path");
;// CONCATENATED MODULE: external "node:fs/promises"
const promises_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:fs/promises");
;// CONCATENATED MODULE: ./src/core/constants.ts
// The names callers see: inputs and outputs of the action (and flags of the CLI), and saved state.
var Input;
(function (Input) {
    Input["Image"] = "image";
    Input["Githash"] = "githash";
    Input["Context"] = "context";
    Input["Dockerfile"] = "dockerfile";
    Input["Tags"] = "tags";
    Input["BuildArgs"] = "build-args";
    Input["Target"] = "target";
    Input["Push"] = "push";
    Input["RegistryUsername"] = "registry-username";
    Input["RegistryPassword"] = "registry-password";
    Input["TestCommand"] = "test-command";
    Input["ComposeFile"] = "compose-file";
    Input["ComposeService"] = "compose-service";
    Input["IntegrationCommand"] = "integration-command";
    Input["TestResults"] = "test-results";
    Input["WaitTimeout"] = "wait-timeout";
})(Input || (Input = {}));
var Output;
(function (Output) {
    Output["Githash"] = "githash";
    Output["CommitTime"] = "commit-time";
    Output["Image"] = "image";
    Output["Tags"] = "tags";
    Output["Digest"] = "digest";
    Output["ImageId"] = "image-id";
})(Output || (Output = {}));
// What the post step needs to clean up after a cancelled or failed run. Never a secret.
var State;
(function (State) {
    State["IsPost"] = "hashdock-is-post";
    State["RunId"] = "hashdock-run-id";
    State["WorkDir"] = "hashdock-work-dir";
})(State || (State = {}));
// Every container, network and volume a run creates carries this label, so cleanup can find them.
const RUN_LABEL = 'dev.hashdock.run';

;// CONCATENATED MODULE: external "string_decoder"
const external_string_decoder_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("string_decoder");
;// CONCATENATED MODULE: external "os"
const external_os_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("os");
;// CONCATENATED MODULE: external "events"
const external_events_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("events");
;// CONCATENATED MODULE: external "child_process"
const external_child_process_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("child_process");
;// CONCATENATED MODULE: external "path"
const external_path_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("path");
;// CONCATENATED MODULE: external "assert"
const external_assert_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("assert");
;// CONCATENATED MODULE: external "fs"
const external_fs_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("fs");
;// CONCATENATED MODULE: ./node_modules/@actions/io/lib/io-util.js
var __awaiter = (undefined && undefined.__awaiter) || function (thisArg, _arguments, P, generator) {
    function adopt(value) { return value instanceof P ? value : new P(function (resolve) { resolve(value); }); }
    return new (P || (P = Promise))(function (resolve, reject) {
        function fulfilled(value) { try { step(generator.next(value)); } catch (e) { reject(e); } }
        function rejected(value) { try { step(generator["throw"](value)); } catch (e) { reject(e); } }
        function step(result) { result.done ? resolve(result.value) : adopt(result.value).then(fulfilled, rejected); }
        step((generator = generator.apply(thisArg, _arguments || [])).next());
    });
};


const { chmod, copyFile, lstat, mkdir, open: io_util_open, readdir, rename, rm, rmdir, stat, symlink, unlink } = external_fs_namespaceObject.promises;
// export const {open} = 'fs'
const IS_WINDOWS = process.platform === 'win32';
/**
 * Custom implementation of readlink to ensure Windows junctions
 * maintain trailing backslash for backward compatibility with Node.js < 24
 *
 * In Node.js 20, Windows junctions (directory symlinks) always returned paths
 * with trailing backslashes. Node.js 24 removed this behavior, which breaks
 * code that relied on this format for path operations.
 *
 * This implementation restores the Node 20 behavior by adding a trailing
 * backslash to all junction results on Windows.
 */
function readlink(fsPath) {
    return __awaiter(this, void 0, void 0, function* () {
        const result = yield fs.promises.readlink(fsPath);
        // On Windows, restore Node 20 behavior: add trailing backslash to all results
        // since junctions on Windows are always directory links
        if (IS_WINDOWS && !result.endsWith('\\')) {
            return `${result}\\`;
        }
        return result;
    });
}
// See https://github.com/nodejs/node/blob/d0153aee367422d0858105abec186da4dff0a0c5/deps/uv/include/uv/win.h#L691
const UV_FS_O_EXLOCK = 0x10000000;
const READONLY = external_fs_namespaceObject.constants.O_RDONLY;
function exists(fsPath) {
    return __awaiter(this, void 0, void 0, function* () {
        try {
            yield stat(fsPath);
        }
        catch (err) {
            if (err.code === 'ENOENT') {
                return false;
            }
            throw err;
        }
        return true;
    });
}
function isDirectory(fsPath_1) {
    return __awaiter(this, arguments, void 0, function* (fsPath, useStat = false) {
        const stats = useStat ? yield stat(fsPath) : yield lstat(fsPath);
        return stats.isDirectory();
    });
}
/**
 * On OSX/Linux, true if path starts with '/'. On Windows, true for paths like:
 * \, \hello, \\hello\share, C:, and C:\hello (and corresponding alternate separator cases).
 */
function isRooted(p) {
    p = normalizeSeparators(p);
    if (!p) {
        throw new Error('isRooted() parameter "p" cannot be empty');
    }
    if (IS_WINDOWS) {
        return (p.startsWith('\\') || /^[A-Z]:/i.test(p) // e.g. \ or \hello or \\hello
        ); // e.g. C: or C:\hello
    }
    return p.startsWith('/');
}
/**
 * Best effort attempt to determine whether a file exists and is executable.
 * @param filePath    file path to check
 * @param extensions  additional file extensions to try
 * @return if file exists and is executable, returns the file path. otherwise empty string.
 */
function tryGetExecutablePath(filePath, extensions) {
    return __awaiter(this, void 0, void 0, function* () {
        let stats = undefined;
        try {
            // test file exists
            stats = yield stat(filePath);
        }
        catch (err) {
            if (err.code !== 'ENOENT') {
                // eslint-disable-next-line no-console
                console.log(`Unexpected error attempting to determine if executable file exists '${filePath}': ${err}`);
            }
        }
        if (stats && stats.isFile()) {
            if (IS_WINDOWS) {
                // on Windows, test for valid extension
                const upperExt = external_path_namespaceObject.extname(filePath).toUpperCase();
                if (extensions.some(validExt => validExt.toUpperCase() === upperExt)) {
                    return filePath;
                }
            }
            else {
                if (isUnixExecutable(stats)) {
                    return filePath;
                }
            }
        }
        // try each extension
        const originalFilePath = filePath;
        for (const extension of extensions) {
            filePath = originalFilePath + extension;
            stats = undefined;
            try {
                stats = yield stat(filePath);
            }
            catch (err) {
                if (err.code !== 'ENOENT') {
                    // eslint-disable-next-line no-console
                    console.log(`Unexpected error attempting to determine if executable file exists '${filePath}': ${err}`);
                }
            }
            if (stats && stats.isFile()) {
                if (IS_WINDOWS) {
                    // preserve the case of the actual file (since an extension was appended)
                    try {
                        const directory = external_path_namespaceObject.dirname(filePath);
                        const upperName = external_path_namespaceObject.basename(filePath).toUpperCase();
                        for (const actualName of yield readdir(directory)) {
                            if (upperName === actualName.toUpperCase()) {
                                filePath = external_path_namespaceObject.join(directory, actualName);
                                break;
                            }
                        }
                    }
                    catch (err) {
                        // eslint-disable-next-line no-console
                        console.log(`Unexpected error attempting to determine the actual case of the file '${filePath}': ${err}`);
                    }
                    return filePath;
                }
                else {
                    if (isUnixExecutable(stats)) {
                        return filePath;
                    }
                }
            }
        }
        return '';
    });
}
function normalizeSeparators(p) {
    p = p || '';
    if (IS_WINDOWS) {
        // convert slashes on Windows
        p = p.replace(/\//g, '\\');
        // remove redundant slashes
        return p.replace(/\\\\+/g, '\\');
    }
    // remove redundant slashes
    return p.replace(/\/\/+/g, '/');
}
// on Mac/Linux, test the execute bit
//     R   W  X  R  W X R W X
//   256 128 64 32 16 8 4 2 1
function isUnixExecutable(stats) {
    return ((stats.mode & 1) > 0 ||
        ((stats.mode & 8) > 0 &&
            process.getgid !== undefined &&
            stats.gid === process.getgid()) ||
        ((stats.mode & 64) > 0 &&
            process.getuid !== undefined &&
            stats.uid === process.getuid()));
}
// Get the path of cmd.exe in windows
function getCmdPath() {
    var _a;
    return (_a = process.env['COMSPEC']) !== null && _a !== void 0 ? _a : `cmd.exe`;
}
//# sourceMappingURL=io-util.js.map
;// CONCATENATED MODULE: ./node_modules/@actions/io/lib/io.js
var io_awaiter = (undefined && undefined.__awaiter) || function (thisArg, _arguments, P, generator) {
    function adopt(value) { return value instanceof P ? value : new P(function (resolve) { resolve(value); }); }
    return new (P || (P = Promise))(function (resolve, reject) {
        function fulfilled(value) { try { step(generator.next(value)); } catch (e) { reject(e); } }
        function rejected(value) { try { step(generator["throw"](value)); } catch (e) { reject(e); } }
        function step(result) { result.done ? resolve(result.value) : adopt(result.value).then(fulfilled, rejected); }
        step((generator = generator.apply(thisArg, _arguments || [])).next());
    });
};



/**
 * Copies a file or folder.
 * Based off of shelljs - https://github.com/shelljs/shelljs/blob/9237f66c52e5daa40458f94f9565e18e8132f5a6/src/cp.js
 *
 * @param     source    source path
 * @param     dest      destination path
 * @param     options   optional. See CopyOptions.
 */
function cp(source_1, dest_1) {
    return io_awaiter(this, arguments, void 0, function* (source, dest, options = {}) {
        const { force, recursive, copySourceDirectory } = readCopyOptions(options);
        const destStat = (yield ioUtil.exists(dest)) ? yield ioUtil.stat(dest) : null;
        // Dest is an existing file, but not forcing
        if (destStat && destStat.isFile() && !force) {
            return;
        }
        // If dest is an existing directory, should copy inside.
        const newDest = destStat && destStat.isDirectory() && copySourceDirectory
            ? path.join(dest, path.basename(source))
            : dest;
        if (!(yield ioUtil.exists(source))) {
            throw new Error(`no such file or directory: ${source}`);
        }
        const sourceStat = yield ioUtil.stat(source);
        if (sourceStat.isDirectory()) {
            if (!recursive) {
                throw new Error(`Failed to copy. ${source} is a directory, but tried to copy without recursive flag.`);
            }
            else {
                yield cpDirRecursive(source, newDest, 0, force);
            }
        }
        else {
            if (path.relative(source, newDest) === '') {
                // a file cannot be copied to itself
                throw new Error(`'${newDest}' and '${source}' are the same file`);
            }
            yield io_copyFile(source, newDest, force);
        }
    });
}
/**
 * Moves a path.
 *
 * @param     source    source path
 * @param     dest      destination path
 * @param     options   optional. See MoveOptions.
 */
function mv(source_1, dest_1) {
    return io_awaiter(this, arguments, void 0, function* (source, dest, options = {}) {
        if (yield ioUtil.exists(dest)) {
            let destExists = true;
            if (yield ioUtil.isDirectory(dest)) {
                // If dest is directory copy src into dest
                dest = path.join(dest, path.basename(source));
                destExists = yield ioUtil.exists(dest);
            }
            if (destExists) {
                if (options.force == null || options.force) {
                    yield rmRF(dest);
                }
                else {
                    throw new Error('Destination already exists');
                }
            }
        }
        yield mkdirP(path.dirname(dest));
        yield ioUtil.rename(source, dest);
    });
}
/**
 * Remove a path recursively with force
 *
 * @param inputPath path to remove
 */
function rmRF(inputPath) {
    return io_awaiter(this, void 0, void 0, function* () {
        if (ioUtil.IS_WINDOWS) {
            // Check for invalid characters
            // https://docs.microsoft.com/en-us/windows/win32/fileio/naming-a-file
            if (/[*"<>|]/.test(inputPath)) {
                throw new Error('File path must not contain `*`, `"`, `<`, `>` or `|` on Windows');
            }
        }
        try {
            // note if path does not exist, error is silent
            yield ioUtil.rm(inputPath, {
                force: true,
                maxRetries: 3,
                recursive: true,
                retryDelay: 300
            });
        }
        catch (err) {
            throw new Error(`File was unable to be removed ${err}`);
        }
    });
}
/**
 * Make a directory.  Creates the full path with folders in between
 * Will throw if it fails
 *
 * @param   fsPath        path to create
 * @returns Promise<void>
 */
function mkdirP(fsPath) {
    return io_awaiter(this, void 0, void 0, function* () {
        ok(fsPath, 'a path argument must be provided');
        yield ioUtil.mkdir(fsPath, { recursive: true });
    });
}
/**
 * Returns path of a tool had the tool actually been invoked.  Resolves via paths.
 * If you check and the tool does not exist, it will throw.
 *
 * @param     tool              name of the tool
 * @param     check             whether to check if tool exists
 * @returns   Promise<string>   path to tool
 */
function which(tool, check) {
    return io_awaiter(this, void 0, void 0, function* () {
        if (!tool) {
            throw new Error("parameter 'tool' is required");
        }
        // recursive when check=true
        if (check) {
            const result = yield which(tool, false);
            if (!result) {
                if (IS_WINDOWS) {
                    throw new Error(`Unable to locate executable file: ${tool}. Please verify either the file path exists or the file can be found within a directory specified by the PATH environment variable. Also verify the file has a valid extension for an executable file.`);
                }
                else {
                    throw new Error(`Unable to locate executable file: ${tool}. Please verify either the file path exists or the file can be found within a directory specified by the PATH environment variable. Also check the file mode to verify the file is executable.`);
                }
            }
            return result;
        }
        const matches = yield findInPath(tool);
        if (matches && matches.length > 0) {
            return matches[0];
        }
        return '';
    });
}
/**
 * Returns a list of all occurrences of the given tool on the system path.
 *
 * @returns   Promise<string[]>  the paths of the tool
 */
function findInPath(tool) {
    return io_awaiter(this, void 0, void 0, function* () {
        if (!tool) {
            throw new Error("parameter 'tool' is required");
        }
        // build the list of extensions to try
        const extensions = [];
        if (IS_WINDOWS && process.env['PATHEXT']) {
            for (const extension of process.env['PATHEXT'].split(external_path_namespaceObject.delimiter)) {
                if (extension) {
                    extensions.push(extension);
                }
            }
        }
        // if it's rooted, return it if exists. otherwise return empty.
        if (isRooted(tool)) {
            const filePath = yield tryGetExecutablePath(tool, extensions);
            if (filePath) {
                return [filePath];
            }
            return [];
        }
        // if any path separators, return empty
        if (tool.includes(external_path_namespaceObject.sep)) {
            return [];
        }
        // build the list of directories
        //
        // Note, technically "where" checks the current directory on Windows. From a toolkit perspective,
        // it feels like we should not do this. Checking the current directory seems like more of a use
        // case of a shell, and the which() function exposed by the toolkit should strive for consistency
        // across platforms.
        const directories = [];
        if (process.env.PATH) {
            for (const p of process.env.PATH.split(external_path_namespaceObject.delimiter)) {
                if (p) {
                    directories.push(p);
                }
            }
        }
        // find all matches
        const matches = [];
        for (const directory of directories) {
            const filePath = yield tryGetExecutablePath(external_path_namespaceObject.join(directory, tool), extensions);
            if (filePath) {
                matches.push(filePath);
            }
        }
        return matches;
    });
}
function readCopyOptions(options) {
    const force = options.force == null ? true : options.force;
    const recursive = Boolean(options.recursive);
    const copySourceDirectory = options.copySourceDirectory == null
        ? true
        : Boolean(options.copySourceDirectory);
    return { force, recursive, copySourceDirectory };
}
function cpDirRecursive(sourceDir, destDir, currentDepth, force) {
    return io_awaiter(this, void 0, void 0, function* () {
        // Ensure there is not a run away recursive copy
        if (currentDepth >= 255)
            return;
        currentDepth++;
        yield mkdirP(destDir);
        const files = yield ioUtil.readdir(sourceDir);
        for (const fileName of files) {
            const srcFile = `${sourceDir}/${fileName}`;
            const destFile = `${destDir}/${fileName}`;
            const srcFileStat = yield ioUtil.lstat(srcFile);
            if (srcFileStat.isDirectory()) {
                // Recurse
                yield cpDirRecursive(srcFile, destFile, currentDepth, force);
            }
            else {
                yield io_copyFile(srcFile, destFile, force);
            }
        }
        // Change the mode for the newly created directory
        yield ioUtil.chmod(destDir, (yield ioUtil.stat(sourceDir)).mode);
    });
}
// Buffered file copy
function io_copyFile(srcFile, destFile, force) {
    return io_awaiter(this, void 0, void 0, function* () {
        if ((yield ioUtil.lstat(srcFile)).isSymbolicLink()) {
            // unlink/re-link it
            try {
                yield ioUtil.lstat(destFile);
                yield ioUtil.unlink(destFile);
            }
            catch (e) {
                // Try to override file permission
                if (e.code === 'EPERM') {
                    yield ioUtil.chmod(destFile, '0666');
                    yield ioUtil.unlink(destFile);
                }
                // other errors = it doesn't exist, no work to do
            }
            // Copy over symlink
            const symlinkFull = yield ioUtil.readlink(srcFile);
            yield ioUtil.symlink(symlinkFull, destFile, ioUtil.IS_WINDOWS ? 'junction' : null);
        }
        else if (!(yield ioUtil.exists(destFile)) || force) {
            yield ioUtil.copyFile(srcFile, destFile);
        }
    });
}
//# sourceMappingURL=io.js.map
;// CONCATENATED MODULE: external "timers"
const external_timers_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("timers");
;// CONCATENATED MODULE: ./node_modules/@actions/exec/lib/toolrunner.js
var toolrunner_awaiter = (undefined && undefined.__awaiter) || function (thisArg, _arguments, P, generator) {
    function adopt(value) { return value instanceof P ? value : new P(function (resolve) { resolve(value); }); }
    return new (P || (P = Promise))(function (resolve, reject) {
        function fulfilled(value) { try { step(generator.next(value)); } catch (e) { reject(e); } }
        function rejected(value) { try { step(generator["throw"](value)); } catch (e) { reject(e); } }
        function step(result) { result.done ? resolve(result.value) : adopt(result.value).then(fulfilled, rejected); }
        step((generator = generator.apply(thisArg, _arguments || [])).next());
    });
};







/* eslint-disable @typescript-eslint/unbound-method */
const toolrunner_IS_WINDOWS = process.platform === 'win32';
/*
 * Class for running command line tools. Handles quoting and arg parsing in a platform agnostic way.
 */
class ToolRunner extends external_events_namespaceObject.EventEmitter {
    constructor(toolPath, args, options) {
        super();
        if (!toolPath) {
            throw new Error("Parameter 'toolPath' cannot be null or empty.");
        }
        this.toolPath = toolPath;
        this.args = args || [];
        this.options = options || {};
    }
    _debug(message) {
        if (this.options.listeners && this.options.listeners.debug) {
            this.options.listeners.debug(message);
        }
    }
    _getCommandString(options, noPrefix) {
        const toolPath = this._getSpawnFileName();
        const args = this._getSpawnArgs(options);
        let cmd = noPrefix ? '' : '[command]'; // omit prefix when piped to a second tool
        if (toolrunner_IS_WINDOWS) {
            // Windows + cmd file
            if (this._isCmdFile()) {
                cmd += toolPath;
                for (const a of args) {
                    cmd += ` ${a}`;
                }
            }
            // Windows + verbatim
            else if (options.windowsVerbatimArguments) {
                cmd += `"${toolPath}"`;
                for (const a of args) {
                    cmd += ` ${a}`;
                }
            }
            // Windows (regular)
            else {
                cmd += this._windowsQuoteCmdArg(toolPath);
                for (const a of args) {
                    cmd += ` ${this._windowsQuoteCmdArg(a)}`;
                }
            }
        }
        else {
            // OSX/Linux - this can likely be improved with some form of quoting.
            // creating processes on Unix is fundamentally different than Windows.
            // on Unix, execvp() takes an arg array.
            cmd += toolPath;
            for (const a of args) {
                cmd += ` ${a}`;
            }
        }
        return cmd;
    }
    _processLineBuffer(data, strBuffer, onLine) {
        try {
            let s = strBuffer + data.toString();
            let n = s.indexOf(external_os_namespaceObject.EOL);
            while (n > -1) {
                const line = s.substring(0, n);
                onLine(line);
                // the rest of the string ...
                s = s.substring(n + external_os_namespaceObject.EOL.length);
                n = s.indexOf(external_os_namespaceObject.EOL);
            }
            return s;
        }
        catch (err) {
            // streaming lines to console is best effort.  Don't fail a build.
            this._debug(`error processing line. Failed with error ${err}`);
            return '';
        }
    }
    _getSpawnFileName() {
        if (toolrunner_IS_WINDOWS) {
            if (this._isCmdFile()) {
                return process.env['COMSPEC'] || 'cmd.exe';
            }
        }
        return this.toolPath;
    }
    _getSpawnArgs(options) {
        if (toolrunner_IS_WINDOWS) {
            if (this._isCmdFile()) {
                let argline = `/D /S /C "${this._windowsQuoteCmdArg(this.toolPath)}`;
                for (const a of this.args) {
                    argline += ' ';
                    argline += options.windowsVerbatimArguments
                        ? a
                        : this._windowsQuoteCmdArg(a);
                }
                argline += '"';
                return [argline];
            }
        }
        return this.args;
    }
    _endsWith(str, end) {
        return str.endsWith(end);
    }
    _isCmdFile() {
        const upperToolPath = this.toolPath.toUpperCase();
        return (this._endsWith(upperToolPath, '.CMD') ||
            this._endsWith(upperToolPath, '.BAT'));
    }
    _windowsQuoteCmdArg(arg) {
        // for .exe, apply the normal quoting rules that libuv applies
        if (!this._isCmdFile()) {
            return this._uvQuoteCmdArg(arg);
        }
        // otherwise apply quoting rules specific to the cmd.exe command line parser.
        // the libuv rules are generic and are not designed specifically for cmd.exe
        // command line parser.
        //
        // for a detailed description of the cmd.exe command line parser, refer to
        // http://stackoverflow.com/questions/4094699/how-does-the-windows-command-interpreter-cmd-exe-parse-scripts/7970912#7970912
        // need quotes for empty arg
        if (!arg) {
            return '""';
        }
        // determine whether the arg needs to be quoted
        const cmdSpecialChars = [
            ' ',
            '\t',
            '&',
            '(',
            ')',
            '[',
            ']',
            '{',
            '}',
            '^',
            '=',
            ';',
            '!',
            "'",
            '+',
            ',',
            '`',
            '~',
            '|',
            '<',
            '>',
            '"'
        ];
        let needsQuotes = false;
        for (const char of arg) {
            if (cmdSpecialChars.some(x => x === char)) {
                needsQuotes = true;
                break;
            }
        }
        // short-circuit if quotes not needed
        if (!needsQuotes) {
            return arg;
        }
        // the following quoting rules are very similar to the rules that by libuv applies.
        //
        // 1) wrap the string in quotes
        //
        // 2) double-up quotes - i.e. " => ""
        //
        //    this is different from the libuv quoting rules. libuv replaces " with \", which unfortunately
        //    doesn't work well with a cmd.exe command line.
        //
        //    note, replacing " with "" also works well if the arg is passed to a downstream .NET console app.
        //    for example, the command line:
        //          foo.exe "myarg:""my val"""
        //    is parsed by a .NET console app into an arg array:
        //          [ "myarg:\"my val\"" ]
        //    which is the same end result when applying libuv quoting rules. although the actual
        //    command line from libuv quoting rules would look like:
        //          foo.exe "myarg:\"my val\""
        //
        // 3) double-up slashes that precede a quote,
        //    e.g.  hello \world    => "hello \world"
        //          hello\"world    => "hello\\""world"
        //          hello\\"world   => "hello\\\\""world"
        //          hello world\    => "hello world\\"
        //
        //    technically this is not required for a cmd.exe command line, or the batch argument parser.
        //    the reasons for including this as a .cmd quoting rule are:
        //
        //    a) this is optimized for the scenario where the argument is passed from the .cmd file to an
        //       external program. many programs (e.g. .NET console apps) rely on the slash-doubling rule.
        //
        //    b) it's what we've been doing previously (by deferring to node default behavior) and we
        //       haven't heard any complaints about that aspect.
        //
        // note, a weakness of the quoting rules chosen here, is that % is not escaped. in fact, % cannot be
        // escaped when used on the command line directly - even though within a .cmd file % can be escaped
        // by using %%.
        //
        // the saving grace is, on the command line, %var% is left as-is if var is not defined. this contrasts
        // the line parsing rules within a .cmd file, where if var is not defined it is replaced with nothing.
        //
        // one option that was explored was replacing % with ^% - i.e. %var% => ^%var^%. this hack would
        // often work, since it is unlikely that var^ would exist, and the ^ character is removed when the
        // variable is used. the problem, however, is that ^ is not removed when %* is used to pass the args
        // to an external program.
        //
        // an unexplored potential solution for the % escaping problem, is to create a wrapper .cmd file.
        // % can be escaped within a .cmd file.
        let reverse = '"';
        let quoteHit = true;
        for (let i = arg.length; i > 0; i--) {
            // walk the string in reverse
            reverse += arg[i - 1];
            if (quoteHit && arg[i - 1] === '\\') {
                reverse += '\\'; // double the slash
            }
            else if (arg[i - 1] === '"') {
                quoteHit = true;
                reverse += '"'; // double the quote
            }
            else {
                quoteHit = false;
            }
        }
        reverse += '"';
        return reverse.split('').reverse().join('');
    }
    _uvQuoteCmdArg(arg) {
        // Tool runner wraps child_process.spawn() and needs to apply the same quoting as
        // Node in certain cases where the undocumented spawn option windowsVerbatimArguments
        // is used.
        //
        // Since this function is a port of quote_cmd_arg from Node 4.x (technically, lib UV,
        // see https://github.com/nodejs/node/blob/v4.x/deps/uv/src/win/process.c for details),
        // pasting copyright notice from Node within this function:
        //
        //      Copyright Joyent, Inc. and other Node contributors. All rights reserved.
        //
        //      Permission is hereby granted, free of charge, to any person obtaining a copy
        //      of this software and associated documentation files (the "Software"), to
        //      deal in the Software without restriction, including without limitation the
        //      rights to use, copy, modify, merge, publish, distribute, sublicense, and/or
        //      sell copies of the Software, and to permit persons to whom the Software is
        //      furnished to do so, subject to the following conditions:
        //
        //      The above copyright notice and this permission notice shall be included in
        //      all copies or substantial portions of the Software.
        //
        //      THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
        //      IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
        //      FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
        //      AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
        //      LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING
        //      FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS
        //      IN THE SOFTWARE.
        if (!arg) {
            // Need double quotation for empty argument
            return '""';
        }
        if (!arg.includes(' ') && !arg.includes('\t') && !arg.includes('"')) {
            // No quotation needed
            return arg;
        }
        if (!arg.includes('"') && !arg.includes('\\')) {
            // No embedded double quotes or backslashes, so I can just wrap
            // quote marks around the whole thing.
            return `"${arg}"`;
        }
        // Expected input/output:
        //   input : hello"world
        //   output: "hello\"world"
        //   input : hello""world
        //   output: "hello\"\"world"
        //   input : hello\world
        //   output: hello\world
        //   input : hello\\world
        //   output: hello\\world
        //   input : hello\"world
        //   output: "hello\\\"world"
        //   input : hello\\"world
        //   output: "hello\\\\\"world"
        //   input : hello world\
        //   output: "hello world\\" - note the comment in libuv actually reads "hello world\"
        //                             but it appears the comment is wrong, it should be "hello world\\"
        let reverse = '"';
        let quoteHit = true;
        for (let i = arg.length; i > 0; i--) {
            // walk the string in reverse
            reverse += arg[i - 1];
            if (quoteHit && arg[i - 1] === '\\') {
                reverse += '\\';
            }
            else if (arg[i - 1] === '"') {
                quoteHit = true;
                reverse += '\\';
            }
            else {
                quoteHit = false;
            }
        }
        reverse += '"';
        return reverse.split('').reverse().join('');
    }
    _cloneExecOptions(options) {
        options = options || {};
        const result = {
            cwd: options.cwd || process.cwd(),
            env: options.env || process.env,
            silent: options.silent || false,
            windowsVerbatimArguments: options.windowsVerbatimArguments || false,
            failOnStdErr: options.failOnStdErr || false,
            ignoreReturnCode: options.ignoreReturnCode || false,
            delay: options.delay || 10000
        };
        result.outStream = options.outStream || process.stdout;
        result.errStream = options.errStream || process.stderr;
        return result;
    }
    _getSpawnOptions(options, toolPath) {
        options = options || {};
        const result = {};
        result.cwd = options.cwd;
        result.env = options.env;
        result['windowsVerbatimArguments'] =
            options.windowsVerbatimArguments || this._isCmdFile();
        if (options.windowsVerbatimArguments) {
            result.argv0 = `"${toolPath}"`;
        }
        return result;
    }
    /**
     * Exec a tool.
     * Output will be streamed to the live console.
     * Returns promise with return code
     *
     * @param     tool     path to tool to exec
     * @param     options  optional exec options.  See ExecOptions
     * @returns   number
     */
    exec() {
        return toolrunner_awaiter(this, void 0, void 0, function* () {
            // root the tool path if it is unrooted and contains relative pathing
            if (!isRooted(this.toolPath) &&
                (this.toolPath.includes('/') ||
                    (toolrunner_IS_WINDOWS && this.toolPath.includes('\\')))) {
                // prefer options.cwd if it is specified, however options.cwd may also need to be rooted
                this.toolPath = external_path_namespaceObject.resolve(process.cwd(), this.options.cwd || process.cwd(), this.toolPath);
            }
            // if the tool is only a file name, then resolve it from the PATH
            // otherwise verify it exists (add extension on Windows if necessary)
            this.toolPath = yield which(this.toolPath, true);
            return new Promise((resolve, reject) => toolrunner_awaiter(this, void 0, void 0, function* () {
                this._debug(`exec tool: ${this.toolPath}`);
                this._debug('arguments:');
                for (const arg of this.args) {
                    this._debug(`   ${arg}`);
                }
                const optionsNonNull = this._cloneExecOptions(this.options);
                if (!optionsNonNull.silent && optionsNonNull.outStream) {
                    optionsNonNull.outStream.write(this._getCommandString(optionsNonNull) + external_os_namespaceObject.EOL);
                }
                const state = new ExecState(optionsNonNull, this.toolPath);
                state.on('debug', (message) => {
                    this._debug(message);
                });
                if (this.options.cwd && !(yield exists(this.options.cwd))) {
                    return reject(new Error(`The cwd: ${this.options.cwd} does not exist!`));
                }
                const fileName = this._getSpawnFileName();
                const cp = external_child_process_namespaceObject.spawn(fileName, this._getSpawnArgs(optionsNonNull), this._getSpawnOptions(this.options, fileName));
                let stdbuffer = '';
                if (cp.stdout) {
                    cp.stdout.on('data', (data) => {
                        if (this.options.listeners && this.options.listeners.stdout) {
                            this.options.listeners.stdout(data);
                        }
                        if (!optionsNonNull.silent && optionsNonNull.outStream) {
                            optionsNonNull.outStream.write(data);
                        }
                        stdbuffer = this._processLineBuffer(data, stdbuffer, (line) => {
                            if (this.options.listeners && this.options.listeners.stdline) {
                                this.options.listeners.stdline(line);
                            }
                        });
                    });
                }
                let errbuffer = '';
                if (cp.stderr) {
                    cp.stderr.on('data', (data) => {
                        state.processStderr = true;
                        if (this.options.listeners && this.options.listeners.stderr) {
                            this.options.listeners.stderr(data);
                        }
                        if (!optionsNonNull.silent &&
                            optionsNonNull.errStream &&
                            optionsNonNull.outStream) {
                            const s = optionsNonNull.failOnStdErr
                                ? optionsNonNull.errStream
                                : optionsNonNull.outStream;
                            s.write(data);
                        }
                        errbuffer = this._processLineBuffer(data, errbuffer, (line) => {
                            if (this.options.listeners && this.options.listeners.errline) {
                                this.options.listeners.errline(line);
                            }
                        });
                    });
                }
                cp.on('error', (err) => {
                    state.processError = err.message;
                    state.processExited = true;
                    state.processClosed = true;
                    state.CheckComplete();
                });
                cp.on('exit', (code) => {
                    state.processExitCode = code;
                    state.processExited = true;
                    this._debug(`Exit code ${code} received from tool '${this.toolPath}'`);
                    state.CheckComplete();
                });
                cp.on('close', (code) => {
                    state.processExitCode = code;
                    state.processExited = true;
                    state.processClosed = true;
                    this._debug(`STDIO streams have closed for tool '${this.toolPath}'`);
                    state.CheckComplete();
                });
                state.on('done', (error, exitCode) => {
                    if (stdbuffer.length > 0) {
                        this.emit('stdline', stdbuffer);
                    }
                    if (errbuffer.length > 0) {
                        this.emit('errline', errbuffer);
                    }
                    cp.removeAllListeners();
                    if (error) {
                        reject(error);
                    }
                    else {
                        resolve(exitCode);
                    }
                });
                if (this.options.input) {
                    if (!cp.stdin) {
                        throw new Error('child process missing stdin');
                    }
                    cp.stdin.end(this.options.input);
                }
            }));
        });
    }
}
/**
 * Convert an arg string to an array of args. Handles escaping
 *
 * @param    argString   string of arguments
 * @returns  string[]    array of arguments
 */
function argStringToArray(argString) {
    const args = [];
    let inQuotes = false;
    let escaped = false;
    let arg = '';
    function append(c) {
        // we only escape double quotes.
        if (escaped && c !== '"') {
            arg += '\\';
        }
        arg += c;
        escaped = false;
    }
    for (let i = 0; i < argString.length; i++) {
        const c = argString.charAt(i);
        if (c === '"') {
            if (!escaped) {
                inQuotes = !inQuotes;
            }
            else {
                append(c);
            }
            continue;
        }
        if (c === '\\' && escaped) {
            append(c);
            continue;
        }
        if (c === '\\' && inQuotes) {
            escaped = true;
            continue;
        }
        if (c === ' ' && !inQuotes) {
            if (arg.length > 0) {
                args.push(arg);
                arg = '';
            }
            continue;
        }
        append(c);
    }
    if (arg.length > 0) {
        args.push(arg.trim());
    }
    return args;
}
class ExecState extends external_events_namespaceObject.EventEmitter {
    constructor(options, toolPath) {
        super();
        this.processClosed = false; // tracks whether the process has exited and stdio is closed
        this.processError = '';
        this.processExitCode = 0;
        this.processExited = false; // tracks whether the process has exited
        this.processStderr = false; // tracks whether stderr was written to
        this.delay = 10000; // 10 seconds
        this.done = false;
        this.timeout = null;
        if (!toolPath) {
            throw new Error('toolPath must not be empty');
        }
        this.options = options;
        this.toolPath = toolPath;
        if (options.delay) {
            this.delay = options.delay;
        }
    }
    CheckComplete() {
        if (this.done) {
            return;
        }
        if (this.processClosed) {
            this._setResult();
        }
        else if (this.processExited) {
            this.timeout = (0,external_timers_namespaceObject.setTimeout)(ExecState.HandleTimeout, this.delay, this);
        }
    }
    _debug(message) {
        this.emit('debug', message);
    }
    _setResult() {
        // determine whether there is an error
        let error;
        if (this.processExited) {
            if (this.processError) {
                error = new Error(`There was an error when attempting to execute the process '${this.toolPath}'. This may indicate the process failed to start. Error: ${this.processError}`);
            }
            else if (this.processExitCode !== 0 && !this.options.ignoreReturnCode) {
                error = new Error(`The process '${this.toolPath}' failed with exit code ${this.processExitCode}`);
            }
            else if (this.processStderr && this.options.failOnStdErr) {
                error = new Error(`The process '${this.toolPath}' failed because one or more lines were written to the STDERR stream`);
            }
        }
        // clear the timeout
        if (this.timeout) {
            clearTimeout(this.timeout);
            this.timeout = null;
        }
        this.done = true;
        this.emit('done', error, this.processExitCode);
    }
    static HandleTimeout(state) {
        if (state.done) {
            return;
        }
        if (!state.processClosed && state.processExited) {
            const message = `The STDIO streams did not close within ${state.delay / 1000} seconds of the exit event from process '${state.toolPath}'. This may indicate a child process inherited the STDIO streams and has not yet exited.`;
            state._debug(message);
        }
        state._setResult();
    }
}
//# sourceMappingURL=toolrunner.js.map
;// CONCATENATED MODULE: ./node_modules/@actions/exec/lib/exec.js
var exec_awaiter = (undefined && undefined.__awaiter) || function (thisArg, _arguments, P, generator) {
    function adopt(value) { return value instanceof P ? value : new P(function (resolve) { resolve(value); }); }
    return new (P || (P = Promise))(function (resolve, reject) {
        function fulfilled(value) { try { step(generator.next(value)); } catch (e) { reject(e); } }
        function rejected(value) { try { step(generator["throw"](value)); } catch (e) { reject(e); } }
        function step(result) { result.done ? resolve(result.value) : adopt(result.value).then(fulfilled, rejected); }
        step((generator = generator.apply(thisArg, _arguments || [])).next());
    });
};


/**
 * Exec a command.
 * Output will be streamed to the live console.
 * Returns promise with return code
 *
 * @param     commandLine        command to execute (can include additional args). Must be correctly escaped.
 * @param     args               optional arguments for tool. Escaping is handled by the lib.
 * @param     options            optional exec options.  See ExecOptions
 * @returns   Promise<number>    exit code
 */
function exec(commandLine, args, options) {
    return exec_awaiter(this, void 0, void 0, function* () {
        const commandArgs = argStringToArray(commandLine);
        if (commandArgs.length === 0) {
            throw new Error(`Parameter 'commandLine' cannot be null or empty.`);
        }
        // Path to tool to execute should be first arg
        const toolPath = commandArgs[0];
        args = commandArgs.slice(1).concat(args || []);
        const runner = new ToolRunner(toolPath, args, options);
        return runner.exec();
    });
}
/**
 * Exec a command and get the output.
 * Output will be streamed to the live console.
 * Returns promise with the exit code and collected stdout and stderr
 *
 * @param     commandLine           command to execute (can include additional args). Must be correctly escaped.
 * @param     args                  optional arguments for tool. Escaping is handled by the lib.
 * @param     options               optional exec options.  See ExecOptions
 * @returns   Promise<ExecOutput>   exit code, stdout, and stderr
 */
function getExecOutput(commandLine, args, options) {
    return exec_awaiter(this, void 0, void 0, function* () {
        var _a, _b;
        let stdout = '';
        let stderr = '';
        //Using string decoder covers the case where a mult-byte character is split
        const stdoutDecoder = new external_string_decoder_namespaceObject.StringDecoder('utf8');
        const stderrDecoder = new external_string_decoder_namespaceObject.StringDecoder('utf8');
        const originalStdoutListener = (_a = options === null || options === void 0 ? void 0 : options.listeners) === null || _a === void 0 ? void 0 : _a.stdout;
        const originalStdErrListener = (_b = options === null || options === void 0 ? void 0 : options.listeners) === null || _b === void 0 ? void 0 : _b.stderr;
        const stdErrListener = (data) => {
            stderr += stderrDecoder.write(data);
            if (originalStdErrListener) {
                originalStdErrListener(data);
            }
        };
        const stdOutListener = (data) => {
            stdout += stdoutDecoder.write(data);
            if (originalStdoutListener) {
                originalStdoutListener(data);
            }
        };
        const listeners = Object.assign(Object.assign({}, options === null || options === void 0 ? void 0 : options.listeners), { stdout: stdOutListener, stderr: stdErrListener });
        const exitCode = yield exec(commandLine, args, Object.assign(Object.assign({}, options), { listeners }));
        //flush any remaining characters
        stdout += stdoutDecoder.end();
        stderr += stderrDecoder.end();
        return {
            exitCode,
            stdout,
            stderr
        };
    });
}
//# sourceMappingURL=exec.js.map
;// CONCATENATED MODULE: ./src/core/errors.ts
// Errors a user can act on: their message is the one line the step fails with.
/** A problem with one input; the message starts with the input's name. */
class InputError extends Error {
    input;
    constructor(input, problem) {
        super(`${input}: ${problem}`);
        this.input = input;
        this.name = 'InputError';
    }
}
/** An external program failed; the message is its own last words, trimmed to one line. */
class CommandError extends Error {
    command;
    exitCode;
    stderr;
    constructor(command, exitCode, stderr) {
        super(`${command} failed (exit ${exitCode}): ${lastLine(stderr) || 'no error output'}`);
        this.command = command;
        this.exitCode = exitCode;
        this.stderr = stderr;
        this.name = 'CommandError';
    }
}
/** The meaningful last line of a program's error output (docker ends with "ERROR: …" or "Error …"). */
function lastLine(text) {
    const lines = text
        .split('\n')
        .map(l => l.trim())
        .filter(Boolean);
    const marked = lines.filter(l => /^(error|fatal)\b/i.test(l) || l.startsWith('ERROR'));
    return (marked.at(-1) ?? lines.at(-1) ?? '').slice(0, 500);
}

;// CONCATENATED MODULE: ./src/core/exec.ts
// The one place that runs external programs (git, docker, tar): arguments as arrays, never a shell.


async function run(command, args, options = {}) {
    const result = await getExecOutput(command, args, {
        ignoreReturnCode: true,
        silent: !options.stream,
        input: options.input === undefined ? undefined : Buffer.from(options.input),
        cwd: options.cwd,
        env: options.env ? { ...process.env, ...options.env } : undefined
    });
    if (result.exitCode !== 0 && !options.allowFailure) {
        throw new CommandError(`${command} ${args[0] ?? ''}`.trim(), result.exitCode, result.stderr || result.stdout);
    }
    return { stdout: result.stdout.trim(), stderr: result.stderr.trim(), exitCode: result.exitCode };
}
/** Runs a command and returns its trimmed standard output. */
async function output(command, args, options = {}) {
    return (await run(command, args, options)).stdout;
}

;// CONCATENATED MODULE: ./src/core/cleanup.ts
// Removes whatever a run left behind: its containers, networks, volumes and scratch files.



/** Returns what could not be removed, as messages; cleanup problems never fail a run. */
async function cleanupRun(runId, workDir) {
    const problems = [];
    const filter = ['--filter', `label=${RUN_LABEL}=${runId}`];
    const attempt = async (what, fn) => {
        try {
            await fn();
        }
        catch (error) {
            problems.push(`could not remove ${what}: ${error instanceof Error ? error.message : String(error)}`);
        }
    };
    await attempt('containers', async () => {
        const ids = (await output('docker', ['ps', '--all', '--quiet', ...filter])).split('\n').filter(Boolean);
        if (ids.length)
            await run('docker', ['rm', '--force', '--volumes', ...ids]);
    });
    await attempt('networks', async () => {
        const ids = (await output('docker', ['network', 'ls', '--quiet', ...filter])).split('\n').filter(Boolean);
        if (ids.length)
            await run('docker', ['network', 'rm', ...ids]);
    });
    await attempt('volumes', async () => {
        const ids = (await output('docker', ['volume', 'ls', '--quiet', ...filter])).split('\n').filter(Boolean);
        if (ids.length)
            await run('docker', ['volume', 'rm', '--force', ...ids]);
    });
    if (workDir)
        await attempt(workDir, () => (0,promises_namespaceObject.rm)(workDir, { recursive: true, force: true }));
    return problems;
}

;// CONCATENATED MODULE: ./src/core/docker.ts
// The Docker engine as the pipeline sees it: a few questions, each one CLI call with machine-readable output.


/** Fails with one line when no engine answers. */
async function requireEngine() {
    const r = await run('docker', ['version', '--format', '{{.Server.Version}}'], { allowFailure: true });
    if (r.exitCode !== 0 || !r.stdout) {
        const why = new CommandError('docker version', r.exitCode, r.stderr).message.replace(/^docker version failed \(exit \d+\): /, '');
        throw new Error(`Docker engine unreachable: ${why}. Start the Docker daemon, or point DOCKER_HOST at one.`);
    }
    return r.stdout;
}
async function hasBuildx() {
    return (await run('docker', ['buildx', 'version'], { allowFailure: true })).exitCode === 0;
}
async function inspectImage(ref) {
    const raw = JSON.parse(await output('docker', ['image', 'inspect', '--format', '{{json .}}', ref]));
    return {
        id: raw.Id,
        size: raw.Size ?? 0,
        labels: raw.Config?.Labels ?? {},
        repoDigests: raw.RepoDigests ?? []
    };
}

;// CONCATENATED MODULE: ./src/core/build.ts
// Stage 3: build the context into an image in the engine, tagged with the full commit hash.




async function build(p, context, workDir, log) {
    const localRef = `${p.image}:${p.commit}`;
    const buildx = await hasBuildx();
    const args = [
        '--file', context.dockerfile,
        '--tag', localRef,
        // BuildKit clamps what it can to this time; the commit time keeps the image free of the wall clock.
        '--build-arg', `SOURCE_DATE_EPOCH=${p.commitTime}`,
        ...p.inputs[Input.BuildArgs].flatMap(arg => ['--build-arg', arg]),
        ...Object.entries(p.labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]),
        ...(p.inputs[Input.Target] ? ['--target', p.inputs[Input.Target]] : [])
    ];
    const started = Date.now();
    if (buildx) {
        // Attestations embed build times; they stay off so the image carries the commit time alone.
        args.push('--progress=plain', '--provenance=false', '--sbom=false', '--load', '--metadata-file', (0,external_node_path_namespaceObject.join)(workDir, 'build-metadata.json'));
        await run('docker', ['buildx', 'build', ...args, context.contextDir], { stream: true });
    }
    else {
        log.notice('docker buildx is not installed: building with the classic `docker build` and BuildKit');
        await run('docker', ['build', ...args, context.contextDir], { stream: true, env: { DOCKER_BUILDKIT: '1' } });
    }
    const seconds = (Date.now() - started) / 1000;
    const facts = await inspectImage(localRef);
    return { imageId: facts.id, localRef, size: facts.size, builder: buildx ? 'buildx' : 'docker build', seconds };
}

;// CONCATENATED MODULE: ./src/core/git.ts
// What the pipeline asks of git, each answer from one git command.

class Git {
    dir;
    constructor(dir) {
        this.dir = dir;
    }
    git(args) {
        return output('git', ['-C', this.dir, ...args]);
    }
    async isRepository() {
        return (await run('git', ['-C', this.dir, 'rev-parse', '--git-dir'], { allowFailure: true })).exitCode === 0;
    }
    /** The full hash of a commit-ish, or undefined when it names no commit here. */
    async resolve(ref) {
        // A checkout often has the branch only as a remote-tracking ref (origin/main).
        for (const candidate of [ref, `origin/${ref}`]) {
            const r = await run('git', ['-C', this.dir, 'rev-parse', '--verify', '--quiet', `${candidate}^{commit}`], { allowFailure: true });
            if (r.exitCode === 0 && r.stdout)
                return r.stdout;
        }
        return undefined;
    }
    async isShallow() {
        return (await this.git(['rev-parse', '--is-shallow-repository'])) === 'true';
    }
    /** Committer time, in Unix seconds. */
    async commitTime(commit) {
        return Number(await this.git(['show', '-s', '--format=%ct', commit]));
    }
    /** 'tree', 'blob', … or undefined when the path is not in that commit. */
    async objectType(commit, path) {
        const spec = path === '.' ? `${commit}^{tree}` : `${commit}:${path}`;
        const r = await run('git', ['-C', this.dir, 'cat-file', '-t', spec], { allowFailure: true });
        return r.exitCode === 0 ? r.stdout : undefined;
    }
    /** Writes the tracked files of `paths` at `commit` as a tar; export-ignore attributes are honoured. */
    async archive(commit, paths, tarFile) {
        // Modes go into BuildKit's cache keys: fix the umask so they don't depend on the runner's git config.
        await this.git(['-c', 'tar.umask=0022', 'archive', '--format=tar', `--output=${tarFile}`, commit, '--', ...paths]);
    }
    /** The web address of the origin remote, without any credentials in it. */
    async originUrl() {
        const r = await run('git', ['-C', this.dir, 'remote', 'get-url', 'origin'], { allowFailure: true });
        if (r.exitCode !== 0 || !r.stdout)
            return undefined;
        const ssh = /^[\w.-]+@([\w.-]+):(.+?)(\.git)?$/.exec(r.stdout);
        if (ssh)
            return `https://${ssh[1]}/${ssh[2]}`;
        try {
            const url = new URL(r.stdout);
            if (!/^https?:$/.test(url.protocol))
                return undefined;
            url.username = '';
            url.password = '';
            return url.toString().replace(/\.git$/, '');
        }
        catch {
            return undefined;
        }
    }
}

;// CONCATENATED MODULE: ./src/core/context.ts
// Stage 2: a clean build context from `git archive` of the commit, every timestamp set to the commit time.




/**
 * Extracts the commit's tracked files into a fresh directory. Never the working tree: an untracked or
 * modified file must not reach the image. Fresh for every build, because BuildKit's context transfer
 * compares size and mtime only and would ship stale content from a reused directory.
 */
async function createContext(p, root) {
    const tree = (0,external_node_path_namespaceObject.join)(root, 'tree');
    await (0,promises_namespaceObject.mkdir)(tree, { recursive: true });
    const tarFile = (0,external_node_path_namespaceObject.join)(root, 'context.tar');
    const paths = p.contextPath === '.' ? [] : [p.contextPath, p.dockerfilePath];
    await new Git(p.workspace.repoDir).archive(p.commit, paths, tarFile);
    await run('tar', ['-x', '--no-same-owner', '-f', tarFile, '-C', tree]);
    await (0,promises_namespaceObject.rm)(tarFile);
    await setTimes(tree, p.commitTime);
    return { contextDir: (0,external_node_path_namespaceObject.join)(tree, p.contextPath), dockerfile: (0,external_node_path_namespaceObject.join)(tree, p.dockerfilePath) };
}
/** Sets the mtime (and atime) of a tree, its root and symlinks included, children before their directory. */
async function setTimes(dir, unixSeconds) {
    for (const entry of await (0,promises_namespaceObject.readdir)(dir, { withFileTypes: true })) {
        const path = (0,external_node_path_namespaceObject.join)(dir, entry.name);
        if (entry.isDirectory())
            await setTimes(path, unixSeconds);
        else
            await (0,promises_namespaceObject.lutimes)(path, unixSeconds, unixSeconds);
    }
    await (0,promises_namespaceObject.lutimes)(dir, unixSeconds, unixSeconds);
}

;// CONCATENATED MODULE: ./src/core/image-ref.ts
// Image references, checked against the grammar of Docker's distribution/reference.
const component = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const domainComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const domain = `${domainComponent}(?:\\.${domainComponent})*(?::[0-9]+)?`;
const repository = new RegExp(`^(?:${domain}/)?${component}(?:/${component})*$`);
const tag = /^[\w][\w.-]{0,127}$/;
/** Docker Hub's host, as `docker login` names it when no registry is given. */
const DOCKER_HUB = 'docker.io';
/** Why `name` is not a repository without tag or digest (e.g. ghcr.io/acme/app), or undefined when it is one. */
function repositoryProblem(name) {
    if (name.includes('@'))
        return 'must not carry a digest; give the repository only (e.g. ghcr.io/acme/app)';
    const last = name.split('/').at(-1) ?? '';
    if (last.includes(':'))
        return 'must not carry a tag; extra tags go in the tags input';
    if (name.length > 255)
        return 'is longer than 255 characters';
    if (!repository.test(name))
        return 'is not a valid image repository (lowercase letters, digits and . _ - separators, e.g. ghcr.io/acme/app)';
    return undefined;
}
function isValidTag(value) {
    return tag.test(value);
}
/** The registry host that holds a repository: its first component when it looks like a host. */
function registryOf(name) {
    const first = name.split('/')[0];
    const isHost = name.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
    return isHost ? first : DOCKER_HUB;
}

;// CONCATENATED MODULE: ./src/core/tags.ts
// Extra tags: placeholders filled in from the commit, each result checked as a Docker tag.



const PLACEHOLDERS = {
    githash: f => f.commit,
    short: f => f.commit.slice(0, 7),
    // Branch names carry slashes; a tag cannot.
    ref: f => f.ref.replace(/[^\w.-]/g, '-'),
    date: f => new Date(f.commitTime * 1000).toISOString().slice(0, 10).replace(/-/g, '')
};
/** All tags of one build: the full commit hash first, then the extra ones, without duplicates. */
function resolveTags(extra, facts) {
    const tags = [facts.commit];
    for (const template of extra) {
        const value = template.replace(/\{(\w+)\}/g, (_, name) => PLACEHOLDERS[name](facts));
        if (!isValidTag(value)) {
            throw new InputError(Input.Tags, `'${template}' gives '${value}', not a valid tag (letters, digits, _ . -; at most 128)`);
        }
        if (!tags.includes(value))
            tags.push(value);
    }
    return tags;
}

;// CONCATENATED MODULE: ./src/core/plan.ts
// Stage 1: turn the inputs into a plan of one build, checking against the repository everything that can be checked before building.





async function plan(inputs, workspace) {
    const git = new Git(workspace.repoDir);
    if (!(await git.isRepository())) {
        throw new InputError(Input.Githash, `${workspace.repoDir} is not a git checkout; check out the repository first (actions/checkout)`);
    }
    const ref = inputs[Input.Githash] || workspace.defaultRef;
    const commit = await git.resolve(ref);
    if (!commit) {
        const hint = (await git.isShallow())
            ? 'this checkout is shallow: check out with fetch-depth: 0 to build any past commit'
            : 'check the hash, or fetch the branch or tag that holds it';
        throw new InputError(Input.Githash, `'${ref}' names no commit in this repository; ${hint}`);
    }
    const commitTime = await git.commitTime(commit);
    const contextPath = inputs[Input.Context];
    if ((await git.objectType(commit, contextPath)) !== 'tree') {
        throw new InputError(Input.Context, `'${contextPath}' is not a directory at commit ${commit.slice(0, 12)}`);
    }
    const dockerfilePath = inputs[Input.Dockerfile] || external_node_path_namespaceObject.posix.join(contextPath, 'Dockerfile');
    if ((await git.objectType(commit, dockerfilePath)) !== 'blob') {
        throw new InputError(Input.Dockerfile, `'${dockerfilePath}' is not a file at commit ${commit.slice(0, 12)}; set dockerfile to its path in the repository`);
    }
    const composeFile = inputs[Input.ComposeFile];
    if (composeFile && (await git.objectType(commit, composeFile)) !== 'blob') {
        throw new InputError(Input.ComposeFile, `'${composeFile}' is not a file at commit ${commit.slice(0, 12)}`);
    }
    const image = inputs[Input.Image];
    const tags = resolveTags(inputs[Input.Tags], { commit, commitTime, ref });
    const labels = {
        'org.opencontainers.image.revision': commit,
        'org.opencontainers.image.created': rfc3339(commitTime)
    };
    const source = workspace.sourceUrl ?? (await git.originUrl());
    if (source)
        labels['org.opencontainers.image.source'] = source;
    return { inputs, workspace, commit, commitTime, image, tags, contextPath, dockerfilePath, labels };
}
function rfc3339(unixSeconds) {
    return new Date(unixSeconds * 1000).toISOString().replace(/\.000Z$/, 'Z');
}
/** `image:tag` for each of the plan's tags. */
function references(p) {
    return p.tags.map(tag => `${p.image}:${tag}`);
}

;// CONCATENATED MODULE: ./src/core/publish.ts
// Stage 5: push the tested image under every tag, and report the digest the registry holds.








/**
 * Logs in before anything is built, so refused credentials fail in seconds, not after the build.
 * The login lives in a docker config of this run's own, so it never touches the user's and goes with it.
 */
async function login(p, workDir, log) {
    const registry = registryOf(p.image);
    const username = p.inputs[Input.RegistryUsername];
    if (!p.inputs[Input.Push] || !username)
        return { registry };
    const configDir = await (0,promises_namespaceObject.mkdtemp)((0,external_node_path_namespaceObject.join)(workDir, 'docker-config-'));
    const r = await run('docker', ['--config', configDir, 'login', registry, '--username', username, '--password-stdin'], {
        input: p.inputs[Input.RegistryPassword],
        allowFailure: true
    });
    if (r.exitCode !== 0) {
        await (0,promises_namespaceObject.rm)(configDir, { recursive: true, force: true });
        const why = lastLine(r.stderr);
        if (/unauthorized|denied|incorrect|401|403/i.test(why)) {
            throw new InputError(Input.RegistryPassword, `${registry} refused the login of ${username}: ${why}`);
        }
        throw new InputError(Input.Image, `registry ${registry} is unreachable: ${why}`);
    }
    log.info(`Logged in to ${registry} as ${username}`);
    return { registry, configDir };
}
async function logout(session) {
    if (!session.configDir)
        return;
    await run('docker', ['--config', session.configDir, 'logout', session.registry], { allowFailure: true });
    await (0,promises_namespaceObject.rm)(session.configDir, { recursive: true, force: true });
}
/** Tags the tested image ID, pushes the full-hash tag first, then the others; all name one digest. */
async function publish(p, imageId, session, log) {
    const refs = references(p);
    const config = session.configDir ? ['--config', session.configDir] : [];
    for (const ref of refs)
        await run('docker', ['tag', imageId, ref]);
    for (const ref of refs) {
        log.info(`Pushing ${ref}`);
        try {
            await run('docker', [...config, 'push', '--quiet', ref]);
        }
        catch (error) {
            const why = error instanceof CommandError ? lastLine(error.stderr) : String(error);
            throw new InputError(Input.Image, `pushing ${ref} to ${session.registry} failed: ${why}`);
        }
    }
    const digest = await pushedDigest(p.image, refs[0]);
    return { references: refs, digest };
}
async function pushedDigest(image, ref) {
    const facts = await inspectImage(ref);
    const entry = facts.repoDigests.find(d => d.startsWith(`${image}@`));
    if (!entry)
        throw new Error(`the engine recorded no registry digest for ${ref} after the push`);
    return entry.slice(image.length + 1);
}

;// CONCATENATED MODULE: ./src/core/report.ts
// Stage 6: what happened, as outputs and as a summary a person reads.


function report(p, built, tests, published, notes) {
    const failed = tests.filter(t => !t.passed);
    return {
        commit: p.commit,
        commitTime: p.commitTime,
        image: p.image,
        references: published?.references ?? references(p),
        digest: published?.digest ?? '',
        imageId: built.imageId,
        size: built.size,
        buildSeconds: built.seconds,
        tests,
        pushed: Boolean(published),
        failure: failed.length
            ? failed.map(t => `${t.kind} tests failed (exit ${t.exitCode}): nothing was pushed`).join('; ')
            : undefined,
        notes
    };
}
function outputs(r) {
    return {
        [Output.Githash]: r.commit,
        [Output.CommitTime]: String(r.commitTime),
        [Output.Image]: r.image,
        [Output.Tags]: r.references.join('\n'),
        [Output.Digest]: r.digest,
        [Output.ImageId]: r.imageId
    };
}
/** The job summary, in GitHub-flavoured markdown; every value here is ours or git's, not test output. */
function renderSummary(r) {
    const verdict = r.failure ? '❌ failed' : r.pushed ? '✅ tested and pushed' : '✅ tested, not pushed';
    const rows = [
        ['Commit', `\`${r.commit}\` (${rfc3339(r.commitTime)})`],
        ['Image ID', `\`${r.imageId}\``],
        ['Size', megabytes(r.size)],
        ['Build', seconds(r.buildSeconds)],
        ...r.tests.map((t) => [
            `${capitalize(t.kind)} tests`,
            `${t.passed ? 'passed' : `failed (exit ${t.exitCode})`} in ${seconds(t.seconds)}`
        ]),
        ['Digest', r.digest ? `\`${r.digest}\`` : 'not pushed'],
        ['Tags', r.references.map(ref => `\`${ref}\``).join('<br>')]
    ];
    const lines = [
        `## hashdock: ${r.image} — ${verdict}`,
        '',
        '| | |',
        '| --- | --- |',
        ...rows.map(([k, v]) => `| ${k} | ${v} |`)
    ];
    if (r.tests.length === 0)
        lines.push('', 'No test command was given: the image was not tested.');
    if (r.failure)
        lines.push('', `**${r.failure}**`);
    for (const note of r.notes)
        lines.push('', `> ${note}`);
    return lines.join('\n') + '\n';
}
const megabytes = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;
const seconds = (s) => `${s.toFixed(1)} s`;
const capitalize = (s) => s[0].toUpperCase() + s.slice(1);

;// CONCATENATED MODULE: ./src/core/test.ts
// Stage 4: run the project's tests inside fresh containers of the exact image that was built.




/** Runs `command` with /bin/sh -c in a new container of `imageId`: entrypoint overridden, no host mounts, CI=true. */
async function testInImage(p, imageId, kind, command, workDir, log, options = {}) {
    const name = `hashdock-${p.workspace.runId}-${kind}`;
    const env = { CI: 'true', ...options.env };
    await run('docker', [
        'create', '--name', name, '--label', `${RUN_LABEL}=${p.workspace.runId}`, '--pull', 'never',
        '--entrypoint', '/bin/sh',
        ...Object.entries(env).flatMap(([k, v]) => ['--env', `${k}=${v}`]),
        ...(options.network ? ['--network', options.network] : []),
        imageId, '-c', command
    ]);
    try {
        const started = Date.now();
        // The command and its output are the user's: shown as they come, never read as workflow commands.
        const { exitCode } = await log.untrusted(() => {
            log.info(`$ ${command}`);
            return run('docker', ['start', '--attach', name], { stream: true, allowFailure: true });
        });
        const seconds = (Date.now() - started) / 1000;
        const resultsDir = await collectResults(p, name, (0,external_node_path_namespaceObject.join)(workDir, 'results', kind), log);
        return { kind, command, exitCode, passed: exitCode === 0, seconds, resultsDir };
    }
    finally {
        await run('docker', ['rm', '--force', '--volumes', name], { allowFailure: true });
    }
}
async function collectResults(p, container, hostDir, log) {
    const inside = p.inputs[Input.TestResults];
    if (!inside)
        return undefined;
    await (0,promises_namespaceObject.mkdir)(hostDir, { recursive: true });
    // The trailing "/." copies the directory's contents, not the directory itself.
    const r = await run('docker', ['cp', `${container}:${inside}/.`, hostDir], { allowFailure: true });
    if (r.exitCode !== 0) {
        log.warning(`test-results: '${inside}' was not found in the ${container.split('-').at(-1)} test container; no results collected`);
        return undefined;
    }
    return hostDir;
}

;// CONCATENATED MODULE: ./src/core/pipeline.ts
// The whole line, in order: inputs → plan → context → build → test → publish → report.










async function runPipeline(inputs, workspace, log) {
    const p = await log.group('Plan', async () => {
        const planned = await plan(inputs, workspace);
        log.info(`Commit ${planned.commit} (${planned.dockerfilePath} in ${planned.contextPath})`);
        log.info(`Docker engine ${await requireEngine()}`);
        return planned;
    });
    const workDir = workspace.workDir;
    await (0,promises_namespaceObject.mkdir)(workDir, { recursive: true });
    const session = await login(p, workDir, log);
    try {
        const context = await log.group('Context', () => createContext(p, (0,external_node_path_namespaceObject.join)(workDir, 'context')));
        const built = await log.group(`Build ${p.image}:${p.commit}`, () => build(p, context, workDir, log));
        await (0,promises_namespaceObject.rm)((0,external_node_path_namespaceObject.join)(workDir, 'context'), { recursive: true, force: true });
        const tests = [];
        const testCommand = inputs[Input.TestCommand];
        if (testCommand) {
            tests.push(await log.group('Unit tests', () => testInImage(p, built.imageId, 'unit', testCommand, workDir, log)));
        }
        const passed = tests.every(t => t.passed);
        const notes = [];
        if (!inputs[Input.Push])
            notes.push('push is false: the image was built and tested only.');
        const published = passed && inputs[Input.Push] ? await log.group('Push', () => publish(p, built.imageId, session, log)) : undefined;
        return report(p, built, tests, published, notes);
    }
    finally {
        await logout(session);
    }
}

;// CONCATENATED MODULE: external "node:util"
const external_node_util_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:util");
;// CONCATENATED MODULE: ./src/core/inputs.ts
// The pipeline's inputs, parsed and checked once, from whichever adapter supplies the raw strings.





function parseInputs(read) {
    const get = (name) => read(name).trim();
    const password = read(Input.RegistryPassword);
    const inputs = {
        [Input.Image]: inputs_image(get(Input.Image)),
        [Input.Githash]: githash(get(Input.Githash)),
        [Input.Context]: repoPath(Input.Context, get(Input.Context) || '.'),
        [Input.Dockerfile]: get(Input.Dockerfile) && repoPath(Input.Dockerfile, get(Input.Dockerfile)),
        [Input.Tags]: tags(lines(read(Input.Tags))),
        [Input.BuildArgs]: buildArgs(lines(read(Input.BuildArgs))),
        [Input.Target]: target(get(Input.Target)),
        [Input.Push]: inputs_boolean(Input.Push, get(Input.Push), true),
        [Input.RegistryUsername]: get(Input.RegistryUsername),
        [Input.RegistryPassword]: password,
        [Input.TestCommand]: get(Input.TestCommand),
        [Input.ComposeFile]: get(Input.ComposeFile) && repoPath(Input.ComposeFile, get(Input.ComposeFile)),
        [Input.ComposeService]: get(Input.ComposeService),
        [Input.IntegrationCommand]: get(Input.IntegrationCommand),
        [Input.TestResults]: testResults(get(Input.TestResults)),
        [Input.WaitTimeout]: positiveInteger(Input.WaitTimeout, get(Input.WaitTimeout), 120)
    };
    if (password && !inputs[Input.RegistryUsername]) {
        throw new InputError(Input.RegistryUsername, 'is required when registry-password is set');
    }
    if (inputs[Input.RegistryUsername] && !password) {
        throw new InputError(Input.RegistryPassword, `is empty; set it (from a secret) to log in as ${inputs[Input.RegistryUsername]}`);
    }
    if (inputs[Input.ComposeService] && !inputs[Input.ComposeFile]) {
        throw new InputError(Input.ComposeService, 'needs compose-file: name the compose file that defines this service');
    }
    return inputs;
}
function lines(value) {
    return value
        .split(/\r?\n/)
        .map(l => l.trim())
        .filter(l => l && !l.startsWith('#'));
}
function inputs_image(value) {
    if (!value)
        throw new InputError(Input.Image, 'is required: the repository to build, e.g. ghcr.io/acme/app');
    const problem = repositoryProblem(value);
    if (problem)
        throw new InputError(Input.Image, `'${value}' ${problem}`);
    return value;
}
// Anything git accepts as a revision, but never something git could read as an option.
function githash(value) {
    if (value && !/^[\w][\w./~^@{}+-]*$/.test(value)) {
        throw new InputError(Input.Githash, `'${value}' is not a commit hash, tag or branch name`);
    }
    return value;
}
/** A relative path inside the repository, normalized; never one that leaves it. */
function repoPath(name, value) {
    const normalized = external_node_path_namespaceObject.posix.normalize(value.replace(/\\/g, '/')).replace(/\/+$/, '') || '.';
    if (external_node_path_namespaceObject.posix.isAbsolute(normalized) || normalized === '..' || normalized.startsWith('../')) {
        throw new InputError(name, `'${value}' must be a relative path inside the repository`);
    }
    return normalized;
}
function tags(values) {
    for (const value of values) {
        const unknown = [...value.matchAll(/\{([^}]*)\}/g)].map(m => m[1]).find(p => !(p in PLACEHOLDERS));
        if (unknown !== undefined) {
            throw new InputError(Input.Tags, `'${value}' uses unknown placeholder {${unknown}}; known: ${Object.keys(PLACEHOLDERS).map(p => `{${p}}`).join(', ')}`);
        }
    }
    return values;
}
function buildArgs(values) {
    for (const value of values) {
        if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(value)) {
            throw new InputError(Input.BuildArgs, `'${value.split('=')[0]}' is not KEY=VALUE; write one build argument per line`);
        }
    }
    return values;
}
function target(value) {
    if (value && !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(value)) {
        throw new InputError(Input.Target, `'${value}' is not a stage name`);
    }
    return value;
}
function testResults(value) {
    if (value && !value.startsWith('/')) {
        throw new InputError(Input.TestResults, `'${value}' must be an absolute directory inside the test container, e.g. /tmp/test-results`);
    }
    return value;
}
// The YAML 1.2 core schema's booleans, as GitHub's getBooleanInput reads them.
function inputs_boolean(name, value, fallback) {
    if (!value)
        return fallback;
    if (['true', 'True', 'TRUE'].includes(value))
        return true;
    if (['false', 'False', 'FALSE'].includes(value))
        return false;
    throw new InputError(name, `'${value}' is not a boolean; use true or false`);
}
function positiveInteger(name, value, fallback) {
    if (!value)
        return fallback;
    if (!/^[1-9][0-9]*$/.test(value))
        throw new InputError(name, `'${value}' is not a whole number of seconds`);
    return Number(value);
}

;// CONCATENATED MODULE: ./src/cli/args.ts
// The CLI's flags: the action's inputs, spelled as --flags, read into the same Inputs.



const USAGE = `Usage: hashdock build --image REPOSITORY [options]

Builds one commit of a git repository into an image, tests it inside the image, and pushes it
only when the tests pass. Every option mirrors an input of the GitHub Action.

Options:
  --image REPO               image repository, without a tag (required)
  --githash REF              commit to build: hash, tag or branch (default: HEAD)
  --repo DIR                 the git repository (default: the current directory)
  --context PATH             build context inside the repository (default: .)
  --dockerfile PATH          Dockerfile in the repository (default: <context>/Dockerfile)
  --tags TAG                 extra tag; repeat for more ({githash} {short} {ref} {date})
  --build-args KEY=VALUE     build argument; repeat for more
  --target STAGE             Dockerfile stage to build
  --push true|false          push the tested image (default: true)
  --registry-username USER   log in as USER; the password comes from the environment
                             variable HASHDOCK_REGISTRY_PASSWORD or, with
  --registry-password-stdin  from standard input (never from a flag)
  --test-command CMD         unit-test command, run in the image with /bin/sh -c
  --compose-file PATH        compose file whose services integration tests run beside
  --compose-service NAME     the compose service that runs the image under test
  --integration-command CMD  integration-test command, run on the compose network
  --test-results DIR         directory of JUnit XML inside the test containers
  --wait-timeout SECONDS     wait for healthy compose services (default: 120)
  --json                     print the outputs as JSON
`;
const repeatable = new Set([Input.Tags, Input.BuildArgs]);
function parseCli(argv, stdin) {
    const options = {
        repo: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean' },
        'registry-password-stdin': { type: 'boolean' }
    };
    for (const name of Object.values(Input)) {
        if (name !== Input.RegistryPassword)
            options[name] = { type: 'string', multiple: repeatable.has(name) };
    }
    const { values, positionals } = (0,external_node_util_namespaceObject.parseArgs)({ args: argv, options, allowPositionals: true });
    const command = values.help ? 'help' : (positionals[0] ?? 'help');
    const password = values['registry-password-stdin'] ? stdin().trim() : (process.env.HASHDOCK_REGISTRY_PASSWORD ?? '');
    const read = (name) => {
        if (name === Input.RegistryPassword)
            return password;
        const value = values[name];
        return Array.isArray(value) ? value.join('\n') : typeof value === 'string' ? value : '';
    };
    return {
        command,
        inputs: command === 'build' ? parseInputs(read) : {},
        repo: typeof values.repo === 'string' ? values.repo : process.cwd(),
        json: values.json === true
    };
}

;// CONCATENATED MODULE: ./src/cli/log.ts
const where = (props) => props?.file ? ` (${props.file}${props.startLine ? `:${props.startLine}` : ''})` : '';
function terminalLog(verbose) {
    return {
        info: message => console.log(message),
        debug: message => {
            if (verbose)
                console.error(`debug: ${message}`);
        },
        notice: (message, props) => console.error(`notice: ${message}${where(props)}`),
        warning: (message, props) => console.error(`warning: ${message}${where(props)}`),
        error: (message, props) => console.error(`error: ${message}${where(props)}`),
        async group(name, fn) {
            console.log(`\n== ${name}`);
            return fn();
        },
        // A terminal has no workflow commands to guard against.
        untrusted: fn => fn()
    };
}

;// CONCATENATED MODULE: ./src/cli/index.ts
// hashdock on a developer's machine: the same pipeline as the action, inputs from flags.









async function main() {
    const cli = parseCli(process.argv.slice(2), () => (0,external_node_fs_namespaceObject.readFileSync)(0, 'utf8'));
    if (cli.command !== 'build') {
        console.log(USAGE);
        return cli.command === 'help' ? 0 : 2;
    }
    const log = terminalLog(Boolean(process.env.HASHDOCK_DEBUG));
    const runId = (0,external_node_crypto_namespaceObject.randomBytes)(6).toString('hex');
    const workDir = (0,external_node_path_namespaceObject.join)((0,external_node_os_namespaceObject.tmpdir)(), `hashdock-${runId}`);
    try {
        const report = await runPipeline(cli.inputs, { repoDir: (0,external_node_path_namespaceObject.resolve)(cli.repo), workDir, runId, defaultRef: 'HEAD' }, log);
        if (cli.json)
            console.log(JSON.stringify(outputs(report), null, 2));
        else
            console.log(`\n${renderSummary(report)}\n${Object.entries(outputs(report)).map(([k, v]) => `${k}=${v.replace(/\n/g, ' ')}`).join('\n')}`);
        if (report.failure)
            console.error(`hashdock: ${report.failure}`);
        return report.failure ? 1 : 0;
    }
    finally {
        for (const problem of await cleanupRun(runId, workDir))
            log.warning(problem);
    }
}
main().then(code => process.exit(code), error => {
    console.error(`hashdock: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
});

