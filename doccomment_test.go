package maybenot

import (
	"errors"
	"go/ast"
	"go/build"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// TestExportedNamesDocumented checks that every exported name of the
// module's public packages (wgdefense, a module of its own, included) has
// a doc comment, as pkg.go.dev shows them: each function, each type, each
// method of an exported type, and each constant and variable, which may
// share the comment of its group.
func TestExportedNamesDocumented(t *testing.T) {
	for _, dir := range []string{".", "defense", "sim", "machines", "wgdefense"} {
		t.Run(dir, func(t *testing.T) { checkDocumented(t, dir) })
	}
}

// checkDocumented checks the exported names of the package in dir.
func checkDocumented(t *testing.T, dir string) {
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		// wgdefense, a module of its own, is not in the root module's zip.
		t.Skipf("%s is not here", dir)
	}
	bp, err := build.ImportDir(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, name := range bp.GoFiles {
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	checked := 0
	missing := func(pos token.Pos, what string) {
		t.Errorf("%s: %s has no doc comment", fset.Position(pos), what)
	}
	for _, file := range files {
		for _, decl := range file.Decls {
			switch d := decl.(type) {
			case *ast.FuncDecl:
				if !d.Name.IsExported() {
					continue
				}
				name := d.Name.Name
				if d.Recv != nil {
					recv := receiverType(d.Recv.List[0].Type)
					if !ast.IsExported(recv) {
						continue
					}
					name = recv + "." + name
				}
				checked++
				if d.Doc == nil {
					missing(d.Pos(), name)
				}
			case *ast.GenDecl:
				for _, spec := range d.Specs {
					switch s := spec.(type) {
					case *ast.TypeSpec:
						if !s.Name.IsExported() {
							continue
						}
						checked++
						if s.Doc == nil && (d.Doc == nil || len(d.Specs) > 1) {
							missing(s.Pos(), "type "+s.Name.Name)
						}
					case *ast.ValueSpec:
						for _, n := range s.Names {
							if !n.IsExported() {
								continue
							}
							checked++
							if s.Doc == nil && d.Doc == nil {
								missing(n.Pos(), n.Name)
							}
						}
					}
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("no exported names found")
	}
	t.Logf("%d exported names checked", checked)
}

// receiverType returns the name of a method's receiver type, without the
// pointer and type parameters.
func receiverType(e ast.Expr) string {
	for {
		switch x := e.(type) {
		case *ast.StarExpr:
			e = x.X
		case *ast.IndexExpr:
			e = x.X
		case *ast.IndexListExpr:
			e = x.X
		case *ast.Ident:
			return x.Name
		default:
			return ""
		}
	}
}
